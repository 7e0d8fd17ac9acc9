package io.distillab.judging;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code genuine}: the target call took the value from the source call's output (the edge is
 * confirmed). {@code prior_knowledge}: the value was known before, from the system or the user
 * (the edge is rejected).
 */
public enum EdgeVerdict {
    GENUINE, PRIOR_KNOWLEDGE;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static EdgeVerdict fromWire(String wire) {
        return parse(wire).orElseThrow(() -> new IllegalArgumentException(
                "unknown verdict '" + wire + "'; genuine or prior_knowledge"));
    }

    public static Optional<EdgeVerdict> parse(String wire) {
        if (wire == null) {
            return Optional.empty();
        }
        String w = wire.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(v -> v.wire().equals(w)).findFirst();
    }
}
