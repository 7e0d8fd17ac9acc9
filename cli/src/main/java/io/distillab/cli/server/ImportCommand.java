package io.distillab.cli.server;

import io.distillab.cli.ExitCodes;
import io.distillab.core.importer.TrajectoryFormat;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code distillab import}: uploads trajectory files to a dataset of metrics-service. */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Upload trajectory files to a dataset of metrics-service (created when it does not exist).",
            "Each file is stored in one transaction: a bad record stores nothing of its file."})
public final class ImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Trajectory files (a folder for ToolBench answer files).")
    List<Path> files;

    @Option(names = "--server", required = true, paramLabel = "URL", description = "metrics-service, e.g. http://localhost:8080")
    URI server;

    @Option(names = "--dataset", required = true, paramLabel = "NAME", description = "The dataset to add the files to.")
    String dataset;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "tau-bench, tau2, toolbench or chat-jsonl (default: detected per file).")
    String format;

    @Option(names = "--model", paramLabel = "NAME",
            description = "Model name of each FILE, once per FILE in order (default: from the file).")
    List<String> models = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (!models.isEmpty() && models.size() != files.size()) {
            throw new ParameterException(spec.commandLine(), "--model is given " + models.size()
                    + " times for " + files.size() + " files: give it once per FILE, in order");
        }
        TrajectoryFormat fmt;
        try {
            fmt = format == null ? null : TrajectoryFormat.fromName(format);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--format: " + e.getMessage());
        }
        MetricsServerClient client = new MetricsServerClient(server);
        long id = client.datasetNamed(dataset);
        Uploads.uploadAll(client, id, files, fmt, models, spec.commandLine().getOut());
        spec.commandLine().getOut().printf("dataset '%s' (id %d) at %s%n", dataset, id, client.base());
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
