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
 * Runs a job in this process with the training engine, on the slot's GPU or on the CPU. A job with
 * a checkpoint under its out folder (a previous attempt's replica died, or handed it back) resumes
 * from the newest one.
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

    @Override
    public Outcome run(ClaimedJob job, Slot slot, Listener listener, BooleanSupplier cancelled) throws Exception {
        JobParameters p = JSON.readValue(job.parameters(), JobParameters.class);
        Optional<Long> checkpoint = store.lastCheckpoint(job.id());
        TrainArguments args = TrainArguments.of(store, store.job(job.id()), p, job.dataFile(), job.dataFormat(),
                checkpoint.isPresent());
        TrainingEngine.Placement placement = scheduler.get().placement(slot, p.threads());
        listener.placement(slot + checkpoint.map(s -> ", resumed from the checkpoint of step " + s).orElse(""));
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
