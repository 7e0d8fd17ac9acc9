package io.distillab.cli;

import io.distillab.core.importer.TrajectoryFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The trajectory files a command reads, with their format and model names (a picocli mixin). */
public final class TrajectoryFiles {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Trajectory files (a folder for ToolBench answer files).")
    public List<Path> files;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "tau-bench, tau2, toolbench or chat-jsonl (default: detected per file).")
    String format;

    @Option(names = "--model", paramLabel = "NAME",
            description = "Model name of each FILE, once per FILE in order (default: from the file).")
    public List<String> models = new ArrayList<>();

    /** The format asked for, or null to detect it per file; checks --model against the files. */
    public TrajectoryFormat format() {
        if (!models.isEmpty() && models.size() != files.size()) {
            throw new ParameterException(spec.commandLine(), "--model is given " + models.size()
                    + " times for " + files.size() + " files: give it once per FILE, in order");
        }
        try {
            return format == null ? null : TrajectoryFormat.fromName(format);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--format: " + e.getMessage());
        }
    }

    /** The model name given for file i, or null. */
    public String model(int i) {
        return models.isEmpty() ? null : models.get(i);
    }
}
