package io.distillab.service.support.auth;

import io.grpc.Metadata;
import io.quarkus.grpc.auth.GrpcSecurityMechanism;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.smallrye.jwt.runtime.auth.JsonWebTokenCredential;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * gRPC's side of {@link ApiKeyAuthenticationMechanism}: the {@code authorization} metadata of a
 * call becomes an API key request ({@code dlk_...}) or a JWT request, which smallrye-jwt's
 * identity provider verifies like an HTTP one (it takes only {@link JsonWebTokenCredential}s).
 */
@ApplicationScoped
public class GrpcBearerMechanism implements GrpcSecurityMechanism {
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public boolean handles(Metadata metadata) {
        return ApiKeyAuthenticationMechanism.bearerToken(metadata.get(AUTHORIZATION)) != null;
    }

    @Override
    public AuthenticationRequest createAuthenticationRequest(Metadata metadata) {
        String token = ApiKeyAuthenticationMechanism.bearerToken(metadata.get(AUTHORIZATION));
        return ApiKeys.looksLikeKey(token) ? new ApiKeyAuthenticationRequest(token)
                : new TokenAuthenticationRequest(new JsonWebTokenCredential(token));
    }
}
