package io.distillab.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.training.loss.SpanType;
import io.distillab.training.train.StepMetrics;
import io.distillab.training.train.TrainingListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * {@code distillab train --server URL}: submits the job with its trajectory file to trainer-service,
 * prints its progress on stderr as the local run does (the same line per step, from the service's
 * events), and when it has succeeded unzips the student into {@code --out} (atomically: a temporary
 * folder renamed into place).
 */
public final class RemoteTraining {
    private static final int RECONNECTS = 20;

    private RemoteTraining() {
    }

    /** The job's end: its status and, when it failed, why. */
    public record Ending(long id, String status, String error, long step) {
    }

    /**
     * @param progress told of every step (and of the job's status changes, as messages)
     * @return how the job ended; the student is in {@code out} when it succeeded
     */
    public static Ending run(TrainerServerClient client, ObjectNode parameters, Path data, Path out,
                             TrainingListener progress, PrintWriter err) throws IOException, InterruptedException {
        JsonNode job = client.submit(parameters, data);
        long id = job.get("id").asLong();
        err.println("distillab: job " + id + " queued on " + client.base() + " (" + client.base() + "api/v1/jobs/" + id
                + "/page)");
        err.flush();
        long[] last = {0};
        String[] status = {job.get("status").asText()};
        String[] error = {null};
        for (int attempt = 0; !ended(status[0]) && attempt < RECONNECTS; attempt++) {
            client.follow(id, last[0], e -> {
                try {
                    JsonNode d = ServiceHttp.JSON.readTree(e.data());
                    if (e.type().equals("step")) {
                        last[0] = d.get("step").asLong();
                        progress.onStep(metrics(d));
                    } else if (e.type().equals("eval")) {
                        var eval = io.distillab.training.train.EvalMetrics.parse(e.data());
                        if (eval != null) {
                            progress.onEval(eval);
                        }
                    } else if (e.type().equals("status")) {
                        String s = d.get("status").asText();
                        if (!s.equals(status[0])) {
                            progress.onMessage("job " + id + " " + s);
                        }
                        status[0] = s;
                        error[0] = d.hasNonNull("error") ? d.get("error").asText() : null;
                    }
                } catch (IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            });
            if (!ended(status[0])) {
                JsonNode now = client.job(id);
                status[0] = now.get("status").asText();
                error[0] = now.hasNonNull("error") ? now.get("error").asText() : null;
            }
        }
        if (status[0].equals("succeeded")) {
            Path tmp = out.toAbsolutePath().resolveSibling("." + out.getFileName() + ".download-" + id);
            try (InputStream zip = client.student(id)) {
                unzip(zip, tmp);
                Files.move(tmp, out);
            } finally {
                deleteTree(tmp);
            }
        }
        return new Ending(id, status[0], error[0], last[0]);
    }

    private static boolean ended(String status) {
        return status.equals("succeeded") || status.equals("failed") || status.equals("cancelled");
    }

    /** A step's metrics line (metrics.jsonl's shape) as the engine's record, for the progress line. */
    static StepMetrics metrics(JsonNode d) {
        double[] kl = new double[SpanType.COUNT];
        double[] ce = new double[SpanType.COUNT];
        for (SpanType k : SpanType.values()) {
            kl[k.code()] = d.path("spans").path(k.key()).path("kl").asDouble(Double.NaN);
            ce[k.code()] = d.path("spans").path(k.key()).path("ce").asDouble(Double.NaN);
        }
        return new StepMetrics(d.get("step").asLong(), d.path("loss").asDouble(Double.NaN),
                d.path("kl").asDouble(Double.NaN), d.path("ce").asDouble(Double.NaN), d.path("lr").asDouble(Double.NaN),
                d.path("grad_norm").asDouble(Double.NaN), d.path("tokens").asLong(),
                d.path("tokens_per_s").asDouble(Double.NaN), kl, ce);
    }

    /** Unzips into {@code dir}, refusing entries that would land outside it. */
    static void unzip(InputStream in, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path root = dir.toAbsolutePath().normalize();
        try (ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                Path target = root.resolve(e.getName()).normalize();
                if (!target.startsWith(root)) {
                    throw new IOException("the student zip holds an entry outside its folder: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(zip, target);
                }
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
