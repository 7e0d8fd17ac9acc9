package io.distillab.judge.api;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Collects the field errors of one request so that a client learns of all of them at once; the
 * requests' {@code validate} methods feed it and {@link #throwIfAny()} turns them into a 400.
 */
public final class Violations {
    private final List<FieldViolation> found = new ArrayList<>();

    public void add(String field, String message) {
        found.add(new FieldViolation(field, message));
    }

    /** Requires a non-null value. @return whether it was there */
    public boolean present(String field, Object value) {
        if (value == null) {
            add(field, "is required");
            return false;
        }
        return true;
    }

    /** Requires a string with at least one non-blank character. */
    public void text(String field, String value) {
        if (present(field, value) && value.isBlank()) {
            add(field, "must not be blank");
        }
    }

    /** Requires a non-empty list of non-blank texts. */
    public void texts(String field, Collection<String> values) {
        if (!present(field, values)) {
            return;
        }
        if (values.isEmpty()) {
            add(field, "must hold at least one message");
            return;
        }
        int i = 0;
        for (String value : values) {
            text(field + "[" + i++ + "]", value);
        }
    }

    public List<FieldViolation> list() {
        return List.copyOf(found);
    }

    public void throwIfAny() {
        if (!found.isEmpty()) {
            throw new InvalidRequestException(found);
        }
    }
}
