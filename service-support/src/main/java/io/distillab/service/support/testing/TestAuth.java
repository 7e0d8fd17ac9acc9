package io.distillab.service.support.testing;

import io.smallrye.jwt.build.Jwt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/** Credentials for tests of a service started with {@link AuthTestResource}. */
public final class TestAuth {
    private TestAuth() {
    }

    /** The service's local admin key, as it wrote it at start. */
    public static String adminKey() {
        String file = System.getProperty(AuthTestResource.ADMIN_KEY_FILE_PROPERTY);
        if (file == null) {
            throw new IllegalStateException("the service was not started with AuthTestResource");
        }
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A REST Assured request with the local admin key: for tests about something other than access. */
    public static io.restassured.specification.RequestSpecification givenAdmin() {
        return io.restassured.RestAssured.given().header("Authorization", adminBearer());
    }

    /** Attaches {@code authorization: <value>} to every gRPC call of a stub. */
    public static io.grpc.ClientInterceptor grpcAuthorization(String value) {
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), value);
        return io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    /** {@code Bearer <local admin key>}. */
    public static String adminBearer() {
        return "Bearer " + adminKey();
    }

    /**
     * A JWT from the test issuer for the audience {@link AuthTestResource#AUDIENCE}, with these roles
     * in the configured claim, valid for five minutes.
     */
    public static String jwt(String subject, String... roles) {
        return jwt(AuthTestResource.ISSUER, subject, Instant.now().plus(Duration.ofMinutes(5)), roles);
    }

    public static String jwt(String issuer, String subject, Instant expires, String... roles) {
        return Jwt.issuer(issuer).subject(subject).upn(subject).audience(AuthTestResource.AUDIENCE)
                .claim(AuthTestResource.ROLES_CLAIM, List.of(roles))
                .issuedAt(expires.minus(Duration.ofMinutes(10))).expiresAt(expires)
                .jws().keyId(AuthTestResource.KEY_ID).sign(issuerKey());
    }

    /** The test issuer's signing key, for tokens {@link #jwt} does not make. */
    public static PrivateKey issuerKey() {
        String encoded = System.getProperty(AuthTestResource.PRIVATE_KEY_PROPERTY);
        if (encoded == null) {
            throw new IllegalStateException("the service was not started with AuthTestResource");
        }
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(encoded)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
