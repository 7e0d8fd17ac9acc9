package io.distillab.service.support.errors;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * References that tie what a user sees of an internal error ("internal error, reference
 * 3f9c2a71d04e") to the log line holding its exception. Random, so that they say nothing about
 * the server's state or request counts.
 */
public final class ErrorReference {
    private static final SecureRandom RANDOM = new SecureRandom();

    private ErrorReference() {
    }

    /** A new reference: 12 hex digits. */
    public static String next() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** What a user reads. */
    public static String message(String reference) {
        return "internal error, reference " + reference + " (the service's log has the details)";
    }
}
