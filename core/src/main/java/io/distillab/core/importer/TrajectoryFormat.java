package io.distillab.core.importer;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The trajectory formats of SPEC section 1, by the names the CLI and the API use. */
public enum TrajectoryFormat {
    TAU_BENCH("tau-bench"),
    TAU2("tau2"),
    TOOLBENCH("toolbench"),
    CHAT_JSONL("chat-jsonl");

    private final String cliName;

    TrajectoryFormat(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static TrajectoryFormat fromName(String name) {
        for (TrajectoryFormat f : values()) {
            if (f.cliName.equalsIgnoreCase(name) || f.name().equalsIgnoreCase(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown format '" + name + "' (expected one of "
                + Arrays.stream(values()).map(TrajectoryFormat::cliName).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
