package io.distillab.training.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.training.loss.SpanType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code metrics.jsonl}, {@code eval.jsonl} (the held-out evaluations, when rows are held out) and
 * {@code loss.svg}. Each step's (and evaluation's) line goes out in one append write, so a
 * killed process leaves whole lines (at worst one partial last line, which a resume drops); the
 * lines are not forced to disk each step (a kill loses nothing the kernel holds, and an fsync per
 * step costs more than a tiny step). The chart is rewritten under a temporary name and renamed.
 */
final class MetricsLog {
    static final String METRICS = "metrics.jsonl";
    static final String CHART = "loss.svg";
    static final String EVAL = "eval.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path out;
    private final String title;
    private final List<StepMetrics> history = new ArrayList<>();
    private final List<EvalMetrics> evals = new ArrayList<>();

    private MetricsLog(Path out, String title) {
        this.out = out;
        this.title = title;
    }

    /** A new log (the file, if any, is replaced by an empty one on the first line). */
    static MetricsLog fresh(Path out, String title) throws IOException {
        MetricsLog log = new MetricsLog(out, title);
        log.rewrite();
        return log;
    }

    /** Continues a log after a checkpoint of step {@code step}: lines of later steps are dropped. */
    static MetricsLog resumed(Path out, String title, long step) throws IOException {
        MetricsLog log = new MetricsLog(out, title);
        Path file = out.resolve(METRICS);
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                StepMetrics m = parse(line);
                if (m != null && m.step() <= step && m.step() == log.history.size() + 1) {
                    log.history.add(m);
                }
            }
        }
        Path evalFile = out.resolve(EVAL);
        if (Files.exists(evalFile)) {
            for (String line : Files.readAllLines(evalFile, StandardCharsets.UTF_8)) {
                EvalMetrics e = EvalMetrics.parse(line);
                if (e != null && e.step() <= step
                        && (log.evals.isEmpty() || e.step() > log.evals.get(log.evals.size() - 1).step())) {
                    log.evals.add(e);
                }
            }
        }
        log.rewrite();
        return log;
    }

    List<StepMetrics> history() {
        return history;
    }

    List<EvalMetrics> evals() {
        return evals;
    }

    void append(StepMetrics m) throws IOException {
        history.add(m);
        appendLine(out.resolve(METRICS), m.toJson());
    }

    void append(EvalMetrics e) throws IOException {
        evals.add(e);
        appendLine(out.resolve(EVAL), e.toJson());
    }

    private static void appendLine(Path file, String json) throws IOException {
        byte[] line = (json + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
        }
    }

    void writeChart() throws IOException {
        writeAtomically(out.resolve(CHART), LossChart.render(history, evals, title));
    }

    private void rewrite() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (StepMetrics m : history) {
            sb.append(m.toJson()).append('\n');
        }
        writeAtomically(out.resolve(METRICS), sb.toString());
        Path evalFile = out.resolve(EVAL);
        if (!evals.isEmpty() || Files.exists(evalFile)) {
            StringBuilder lines = new StringBuilder();
            for (EvalMetrics e : evals) {
                lines.append(e.toJson()).append('\n');
            }
            writeAtomically(evalFile, lines.toString());
        }
        writeChart();
    }

    static void writeAtomically(Path target, String text) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A metrics line back into its record; null for a line that is not one (a torn last line). */
    static StepMetrics parse(String line) {
        try {
            JsonNode o = JSON.readTree(line);
            double[] kl = new double[SpanType.COUNT];
            double[] ce = new double[SpanType.COUNT];
            for (SpanType k : SpanType.values()) {
                kl[k.code()] = o.get("spans").get(k.key()).get("kl").asDouble(Double.NaN);
                ce[k.code()] = o.get("spans").get(k.key()).get("ce").asDouble(Double.NaN);
            }
            return new StepMetrics(o.get("step").asLong(), num(o, "loss"), num(o, "kl"), num(o, "ce"), num(o, "lr"),
                    num(o, "grad_norm"), o.get("tokens").asLong(), num(o, "tokens_per_s"), kl, ce);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }


    private static double num(JsonNode o, String field) {
        JsonNode n = o.get(field);
        return n == null || n.isNull() ? Double.NaN : n.asDouble();
    }
}
