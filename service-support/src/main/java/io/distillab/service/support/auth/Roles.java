package io.distillab.service.support.auth;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The services' three roles, each including the ones below it: {@code admin} may do what a
 * {@code writer} may, a {@code writer} what a {@code reader} may. Endpoints name the least role they
 * need; {@link #withImplied} gives an identity the roles its highest role includes.
 */
public final class Roles {
    /** Reads datasets, analyses and results. */
    public static final String READER = "reader";
    /** Creates and uploads, submits analyses, asks the judges (which may cost provider money). */
    public static final String WRITER = "writer";
    /** Deletes, and manages API keys. */
    public static final String ADMIN = "admin";

    private Roles() {
    }

    public static boolean isRole(String name) {
        return READER.equals(name) || WRITER.equals(name) || ADMIN.equals(name);
    }

    /** The given roles plus every role they include; names that are not ours pass through unchanged. */
    public static Set<String> withImplied(Set<String> roles) {
        Set<String> out = new LinkedHashSet<>(roles);
        if (out.contains(ADMIN)) {
            out.add(WRITER);
        }
        if (out.contains(WRITER)) {
            out.add(READER);
        }
        return out;
    }
}
