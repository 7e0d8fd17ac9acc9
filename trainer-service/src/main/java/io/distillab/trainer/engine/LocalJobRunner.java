package io.distillab.trainer.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.trainer.job.JobParameters;
import io.distillab.trainer.job.StepRecord;
import io.distillab.trainer.job.TrainArguments;
import io.distillab.trainer.queue.ClaimedJob;
import io.distillab.trainer.queue.JobRunner;
import io.distillab.trainer.queue.Scheduler;
import io.distillab.trainer.queue.Slot;
import io.distillab.trainer.store.ModelStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Runs a job in this process with the training engine, on the slot's GPU or on the CPU. A job whose
 * out folder exists (a previous attempt's replica died, or handed it back) is resumed: from its
 * newest checkpoint, or from the start when it died before the first.
 */
@ApplicationScoped
public class LocalJobRunner implements JobRunner {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelStore store;
    private final Instance<TrainingEngine> engine;
    private final Instance<Scheduler> scheduler;

    LocalJobRunner(ModelStore store, Instance<TrainingEngine> engine, Instance<Scheduler> scheduler) {
        this.store = store;
        this.engine = engine;
        this.scheduler = scheduler;
    }

    /**
     * Records the steps up to the checkpoint a run resumes from, from the engine's metrics.jsonl: a
     * worker that lost its lease (or a replica that froze) may have trained and checkpointed steps
     * whose rows it was no longer allowed to write; the resumed run starts after them.
     */
    static void recordStepsUpTo(Path metrics, long checkpointStep, Listener listener) {
        if (!java.nio.file.Files.isRegularFile(metrics)) {
            return;
        }
        try (var lines = java.nio.file.Files.lines(metrics)) {
            lines.filter(l -> !l.isBlank()).map(StepRecord::parse).filter(s -> s.step() <= checkpointStep)
                    .forEach(listener::step);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public Outcome run(ClaimedJob job, Slot slot, Listener listener, BooleanSupplier cancelled) throws Exception {
        JobParameters p = JSON.readValue(job.parameters(), JobParameters.class);
        Optional<Long> checkpoint = store.lastCheckpoint(job.id());
        // an earlier attempt wrote something (perhaps no checkpoint yet): continue it, the engine starts
        // from the newest checkpoint or, without one, from the beginning
        TrainArguments args = TrainArguments.of(store, store.job(job.id()), p, job.dataFile(), job.dataFormat(),
                java.nio.file.Files.isDirectory(store.jobOut(job.id())));
        TrainingEngine.Placement placement = scheduler.get().placement(slot, p.threads());
        listener.placement(slot + checkpoint.map(s -> ", resumed from the checkpoint of step " + s).orElse(""));
        checkpoint.ifPresent(step -> recordStepsUpTo(store.jobOut(job.id()).resolve("metrics.jsonl"), step, listener));
        TrainingEngine.Result r = engine.get().train(args, placement, new TrainingEngine.Listener() {
            @Override
            public void step(String metricsLine) {
                listener.step(StepRecord.parse(metricsLine));
            }

            @Override
            public void checkpoint(long step, Path dir) {
                listener.checkpoint(step);
            }
        }, cancelled);
        return new Outcome(r.cancelled(), r.finalLoss());
    }
}
