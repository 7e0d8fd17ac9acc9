package io.distillab.service.support.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * API keys: {@code dlk_} and 43 characters of URL-safe base64 (256 random bits). Only the SHA-256
 * of a key is stored; a salt or a slow hash is not needed because the key itself carries 256 bits
 * of entropy, and the plain digest lets a key be looked up by its hash. The prefix tells a key from
 * a JWT in the same {@code Authorization: Bearer} header.
 */
public final class ApiKeys {
    public static final String PREFIX = "dlk_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {
    }

    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static boolean looksLikeKey(String token) {
        return token != null && token.startsWith(PREFIX);
    }

    /** The hex SHA-256 of the key's UTF-8 bytes: what the database holds. */
    public static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
