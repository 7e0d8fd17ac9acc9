package io.distillab.trainer;

import io.distillab.trainer.engine.TrainingEngine;
import io.distillab.trainer.job.InvalidJobException;
import io.distillab.trainer.job.TrainArguments;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A test double of the training engine for the service's plumbing tests (queue, leases, resume,
 * cancel, events, API): it "trains" by writing what the engine writes under the job's out folder,
 * in the engine's layout: a metrics.jsonl line per step whose loss is a fixed function of the seed
 * and step, {@code checkpoint-STEP/} folders (each holding its step), and {@code final/}. It resumes
 * from the newest checkpoint as the engine does, so a resumed run's lines equal an uninterrupted
 * run's. Each run is logged (out folder, resume step) so tests can tell how often a job was trained.
 * The real engine's own behaviour is tested with the real engine (TrainingEngineRunner tests).
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class ScriptedTrainingEngine implements TrainingEngine {
    /** Milliseconds each step takes (tests that cancel or kill a run make it slow). */
    public static volatile long stepMillis = 0;
    /** Every run started: "OUT from STEP". */
    public static final List<String> RUNS = new CopyOnWriteArrayList<>();
    /** The batch size above which the job "does not fit" (the real engine estimates bytes). */
    public static final int MEMORY_LIMIT_BATCH = 4096;
    private static final ConcurrentHashMap<Path, Boolean> ACTIVE = new ConcurrentHashMap<>();

    @Override
    public void check(TrainArguments job, Placement placement) {
        if (job.parameters().batchSize() > MEMORY_LIMIT_BATCH) {
            throw InvalidJobException.unprocessable("batchSize", "the run needs more memory than the device has");
        }
        if (!Files.isRegularFile(job.data())) {
            throw new IllegalStateException("the data file is not in place: " + job.data());
        }
    }

    @Override
    public Result train(TrainArguments job, Placement placement, Listener listener, BooleanSupplier cancelled)
            throws Exception {
        Path out = job.out();
        if (ACTIVE.putIfAbsent(out, true) != null) {
            throw new IllegalStateException("two runs of one job at once: " + out);
        }
        try {
            Files.createDirectories(out);
            long every = job.parameters().checkpointEvery() == null ? 100 : job.parameters().checkpointEvery();
            long seed = job.parameters().seed() == null ? 0 : job.parameters().seed();
            long steps = job.parameters().steps();
            long start = job.resume() ? newestCheckpoint(out) : 0;
            RUNS.add(out + " from " + start);
            Path metrics = out.resolve("metrics.jsonl");
            List<String> kept = Files.exists(metrics) ? Files.readAllLines(metrics).subList(0,
                    (int) Math.min(start, Files.readAllLines(metrics).size())) : List.of();
            Files.write(metrics, kept, StandardCharsets.UTF_8);
            double loss = Double.NaN;
            for (long s = start + 1; s <= steps; s++) {
                if (cancelled.getAsBoolean()) {
                    checkpoint(out, s - 1, listener);
                    return new Result(true, null);
                }
                if (stepMillis > 0) {
                    Thread.sleep(stepMillis);
                }
                loss = loss(seed, s);
                String line = String.format(Locale.ROOT, "{\"step\": %d, \"loss\": %s, \"kl\": 0.0, \"ce\": %s, "
                        + "\"lr\": 0.0003, \"grad_norm\": 1.5, \"tokens\": 100, \"tokens_per_s\": 1000.0, \"spans\": "
                        + "{\"reason\": {\"kl\": 0.0, \"ce\": %s}, \"action\": {\"kl\": 0.0, \"ce\": %s}, "
                        + "\"observation\": {\"kl\": 0.0, \"ce\": 0.0}, \"other\": {\"kl\": 0.0, \"ce\": 0.0}}}",
                        s, loss, loss, loss * 0.6, loss * 1.4);
                Files.writeString(metrics, line + "\n", StandardOpenOption.APPEND);
                listener.step(line);
                if (s % every == 0 && s < steps) {
                    checkpoint(out, s, listener);
                }
            }
            Path fin = out.resolve("final");
            Files.createDirectories(fin);
            Files.copy(job.student().getFileName().toString().endsWith(".json") ? job.student()
                    : job.student().resolve("config.json"), fin.resolve("config.json"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(fin.resolve("model.safetensors"), "weights after " + steps + " steps, seed " + seed);
            return new Result(false, loss);
        } finally {
            ACTIVE.remove(out);
        }
    }

    /** The scripted loss of step {@code s}: falls from about 3 towards 1. */
    public static double loss(long seed, long s) {
        return 1 + 2 * Math.exp(-s / 5.0) + (seed % 7) * 1e-3;
    }

    private static void checkpoint(Path out, long step, Listener listener) throws IOException {
        if (step <= 0 || Files.isDirectory(out.resolve("checkpoint-" + step))) {
            return;
        }
        Path tmp = out.resolve(".checkpoint-" + step + ".tmp");
        Files.createDirectories(tmp);
        Files.writeString(tmp.resolve("step"), Long.toString(step));
        Files.move(tmp, out.resolve("checkpoint-" + step));
        listener.checkpoint(step, out.resolve("checkpoint-" + step));
    }

    private static long newestCheckpoint(Path out) throws IOException {
        try (Stream<Path> s = Files.list(out)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("checkpoint-\\d+"))
                    .mapToLong(n -> Long.parseLong(n.substring(11))).max().orElse(0);
        }
    }
}
