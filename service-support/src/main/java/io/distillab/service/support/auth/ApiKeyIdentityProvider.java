package io.distillab.service.support.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Turns an API key into an identity: the key's name as principal ({@code key:<name>}) and its
 * role. The lookup is by the key's SHA-256, on a worker thread (JDBC blocks).
 */
@ApplicationScoped
public class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyAuthenticationRequest> {
    private final ApiKeyStore store;

    ApiKeyIdentityProvider(DataSource dataSource) {
        this.store = new ApiKeyStore(dataSource);
    }

    @Override
    public Class<ApiKeyAuthenticationRequest> getRequestType() {
        return ApiKeyAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyAuthenticationRequest request, AuthenticationRequestContext context) {
        return context.runBlocking(() -> {
            ApiKeyStore.StoredKey key;
            try {
                key = store.findByHash(ApiKeys.hash(request.key())).orElse(null);
            } catch (SQLException e) {
                throw new AuthenticationFailedException("the key store could not be read", e);
            }
            if (key == null) {
                throw new AuthenticationFailedException("unknown API key");
            }
            return QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal("key:" + key.name()))
                    .addRole(key.role())
                    .build();
        });
    }
}
