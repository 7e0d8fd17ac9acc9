package io.distillab.trainer.engine;

import io.distillab.trainer.job.TrainArguments;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * The training engine as the service uses it: check a job before it is queued, and train it. The
 * one implementation, {@link TrainingEngineRunner}, is the only class of the service that calls the
 * engine; everything else (queue, workers, Kubernetes mode, API) sees this interface.
 */
public interface TrainingEngine {

    /** What a run reports while it goes. */
    interface Listener {
        /** A step's line of metrics.jsonl, as the engine writes it. */
        void step(String metricsLine);

        /** A complete checkpoint of {@code step} was written to {@code dir}. */
        void checkpoint(long step, Path dir);
    }

    /** How a run ended: cancelled (stopped between steps), or trained to the end with its last step's loss. */
    record Result(boolean cancelled, Double finalLoss) {
    }

    /**
     * Where a job runs: the GPU ordinal, or -1 for the CPU, and the CPU threads it may use; {@code memoryBytes}
     * is what the device offers the job (GPU memory, or this replica's share of the heap).
     */
    record Placement(int gpu, int threads, long memoryBytes) {
        public boolean cpu() {
            return gpu < 0;
        }
    }

    /**
     * Checks what can be checked before anything starts: the checkpoints and config read, the
     * configuration is possible, and the model fits {@code placement}'s memory by the engine's own
     * estimate.
     *
     * @throws io.distillab.trainer.job.InvalidJobException naming the request field at fault
     */
    void check(TrainArguments job, Placement placement);

    /**
     * Trains (resuming from the newest checkpoint under the job's out folder when
     * {@code job.resume()}), writing metrics.jsonl, checkpoints, the final student and loss.svg there.
     *
     * @param cancelled polled between steps; when it says true the run stops after the step, with a checkpoint
     * @throws io.distillab.trainer.queue.TrainingFailedException when the input turns out unusable
     */
    Result train(TrainArguments job, Placement placement, Listener listener, BooleanSupplier cancelled)
            throws Exception;
}
