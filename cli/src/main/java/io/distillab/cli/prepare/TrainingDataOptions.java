package io.distillab.cli.prepare;

import io.distillab.core.importer.TrajectoryFormat;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The trajectory files a training command reads and how they become rows (a picocli mixin). */
public final class TrainingDataOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--data", arity = "1..*", paramLabel = "FILE",
            description = "Trajectory files (a folder for ToolBench answer files).")
    public List<Path> files;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "tau-bench, tau2, toolbench or chat-jsonl (default: detected per file).")
    String format;

    @Option(names = "--context", paramLabel = "L", description = "Tokens per training row (default: ${DEFAULT-VALUE}).",
            defaultValue = "1024")
    public int context;

    @Option(names = "--truncate", description = "Keep only the first window of a sequence longer than the context.")
    public boolean truncate;

    /** The format asked for, or null to detect it per file. */
    public TrajectoryFormat format() {
        try {
            return format == null ? null : TrajectoryFormat.fromName(format);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--format: " + e.getMessage());
        }
    }
}
