package io.distillab.judging;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** SPEC section 5's five stages; each assistant text message belongs to exactly one. */
public enum Stage {
    AUTHENTICATION,
    INFORMATION_RETRIEVAL,
    EXECUTION,
    VERIFICATION,
    NOTIFICATION;

    /** All wire names, comma separated, for messages and prompts. */
    public static final String WIRE_NAMES = "authentication, information_retrieval, execution, verification, notification";

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The stage with this wire name; Jackson rejects other names with a 400 naming the field. */
    @JsonCreator
    public static Stage fromWire(String wire) {
        return parse(wire).orElseThrow(() -> new IllegalArgumentException(
                "unknown stage '" + wire + "'; one of " + WIRE_NAMES));
    }

    public static Optional<Stage> parse(String wire) {
        if (wire == null) {
            return Optional.empty();
        }
        String w = wire.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(s -> s.wire().equals(w)).findFirst();
    }
}
