package io.distillab.cli.server;

import io.distillab.cli.ExitCodes;
import io.distillab.cli.TrajectoryFiles;
import io.distillab.core.importer.TrajectoryFormat;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code distillab import}: uploads trajectory files to a dataset of metrics-service. */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Upload trajectory files to a dataset of metrics-service (created when it does not exist).",
            "Each file is stored in one transaction: a bad record stores nothing of its file."})
public final class ImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrajectoryFiles input;

    @Option(names = "--server", required = true, paramLabel = "URL", description = "metrics-service, e.g. http://localhost:8080")
    URI server;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "API key or JWT (default: $DISTILLAB_TOKEN; for a server on this machine, "
                    + "its local admin key in ~/.distillab/metrics-service/admin-key).")
    String token;

    @Option(names = "--dataset", required = true, paramLabel = "NAME", description = "The dataset to add the files to.")
    String dataset;

    @Override
    public Integer call() throws Exception {
        TrajectoryFormat fmt = input.format();
        MetricsServerClient client = new MetricsServerClient(server, ServerToken.resolve(token, server).orElse(null));
        long id = client.datasetNamed(dataset);
        Uploads.uploadAll(client, id, input.files, fmt, input.models, spec.commandLine().getOut());
        spec.commandLine().getOut().printf("dataset '%s' (id %d) at %s%n", dataset, id, client.base());
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
