package io.distillab.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.core.importer.ModelNames;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Uploads files as {@code distillab analyze} would read them: a ToolBench folder file by file. */
final class Uploads {
    private Uploads() {
    }

    /**
     * @param format null to detect each file's format as the local commands do
     * @param models empty, or one model name per file
     */
    static void uploadAll(MetricsServerClient client, long dataset, List<Path> files, TrajectoryFormat format,
                          List<String> models, PrintWriter log) throws IOException, InterruptedException {
        for (int i = 0; i < files.size(); i++) {
            Path path = files.get(i);
            if (!Files.exists(path)) {
                throw new java.nio.file.NoSuchFileException(path.toString());
            }
            TrajectoryFormat f = format != null ? format : TrajectoryImporter.detect(path);
            String model = models.isEmpty() ? null : models.get(i);
            if (Files.isDirectory(path)) {
                List<Path> answers;
                try (Stream<Path> s = Files.list(path)) {
                    answers = s.filter(p -> Files.isRegularFile(p)
                            && ModelNames.isToolBenchAnswerFile(p.getFileName().toString())).sorted().toList();
                }
                if (answers.isEmpty()) {
                    throw new IllegalArgumentException(path + ": holds no ToolBench answer files ({query_id}_{method}.json)");
                }
                for (Path a : answers) {
                    one(client, dataset, a, f, model, log);
                }
            } else {
                one(client, dataset, path, f, model, log);
            }
        }
    }

    private static void one(MetricsServerClient client, long dataset, Path file, TrajectoryFormat format, String model,
                            PrintWriter log) throws IOException, InterruptedException {
        JsonNode u = client.upload(dataset, file, format.cliName(), model);
        if (log != null) {
            log.printf("uploaded %s (%s): %d trajectories, %.1f MB in %.2f s%n", file, format, u.path("trajectories")
                    .asInt(), u.path("bytes").asLong() / 1e6, u.path("seconds").asDouble());
            log.flush();
        }
    }
}
