package io.distillab.service.support.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.Map;

/**
 * A real token issuer for a service's tests, with security on: a WireMock server answering an
 * RSA key's JWKS (tokens are signed in the test with the private half, see {@link TestAuth}), and
 * the service's local admin key written to a temporary file (the bootstrap path a fresh embedded
 * install takes). The service reads roles from the claim {@value #ROLES_CLAIM}, not from the
 * default {@code groups}, which proves the claim is configurable.
 */
public class AuthTestResource implements QuarkusTestResourceLifecycleManager {
    public static final String ISSUER = "https://issuer.test.distillab";
    public static final String ROLES_CLAIM = "distillab_roles";
    public static final String KEY_ID = "test-key";
    /**
     * The audience every {@link TestAuth#jwt} token names; a service's test profile may require it
     * ({@code distillab.auth.jwt.audience}), the others leave the audience unchecked.
     */
    public static final String AUDIENCE = "distillab-test";
    static final String PRIVATE_KEY_PROPERTY = "distillab.test.auth.private-key";
    static final String ADMIN_KEY_FILE_PROPERTY = "distillab.test.auth.admin-key-file";

    private WireMockServer issuer;
    private Path keyDir;

    @Override
    public Map<String, String> start() {
        KeyPair pair = rsaKeyPair();
        issuer = new WireMockServer(wireMockConfig().dynamicPort());
        issuer.start();
        issuer.stubFor(get(urlEqualTo("/jwks.json")).willReturn(aResponse()
                .withHeader("Content-Type", "application/json").withBody(jwks((RSAPublicKey) pair.getPublic()))));
        try {
            keyDir = Files.createTempDirectory("distillab-auth-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path adminKeyFile = keyDir.resolve("admin-key");
        // The tests run in this JVM: they sign with this key and read the admin key from this file.
        System.setProperty(PRIVATE_KEY_PROPERTY, Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()));
        System.setProperty(ADMIN_KEY_FILE_PROPERTY, adminKeyFile.toString());
        return Map.of(
                "distillab.auth.jwt.jwks-url", issuer.baseUrl() + "/jwks.json",
                "distillab.auth.jwt.issuer", ISSUER,
                "distillab.auth.roles-claim", ROLES_CLAIM,
                "distillab.auth.local-admin-key.enabled", "true",
                "distillab.auth.local-admin-key.file", adminKeyFile.toString());
    }

    @Override
    public void stop() {
        if (issuer != null) {
            issuer.stop();
        }
        try {
            if (keyDir != null) {
                Files.deleteIfExists(keyDir.resolve("admin-key"));
                Files.deleteIfExists(keyDir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KeyPair rsaKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 7517: n and e as unsigned big-endian base64url. */
    static String jwks(RSAPublicKey key) {
        return "{\"keys\":[{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"" + KEY_ID + "\",\"n\":\""
                + unsigned(key.getModulus()) + "\",\"e\":\"" + unsigned(key.getPublicExponent()) + "\"}]}";
    }

    private static String unsigned(BigInteger v) {
        byte[] b = v.toByteArray();
        if (b.length > 1 && b[0] == 0) {
            b = java.util.Arrays.copyOfRange(b, 1, b.length);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
