package io.distillab.trainer.queue;

import io.distillab.trainer.job.StepRecord;
import java.util.function.BooleanSupplier;

/** Runs one claimed job to its end, in this process or elsewhere; the queue and its workers know nothing else about training. */
public interface JobRunner {

    /** What the run reports while it goes. */
    interface Listener {
        /** Where it runs (shown on the job). */
        void placement(String where);

        void step(StepRecord step);

        /** A complete checkpoint of {@code step} exists: a resumed run starts there. */
        void checkpoint(long step);
    }

    /** How the run ended: {@code cancelled} when it stopped because {@code cancelled} said so. */
    record Outcome(boolean cancelled, Double finalLoss) {
    }

    /**
     * Runs the job on {@code slot}; resumes from the job's newest checkpoint when there is one.
     *
     * @param cancelled polled between steps: true when the job is cancelled, its lease is lost or the
     *                  replica is stopping
     * @throws TrainingFailedException when the job cannot be trained (the reason is shown to users)
     */
    Outcome run(ClaimedJob job, Slot slot, Listener listener, BooleanSupplier cancelled) throws Exception;
}
