package io.distillab.training.train;

import java.nio.file.Path;

/**
 * How a run ended.
 *
 * @param lastStep   the last completed step
 * @param steps      the steps asked for
 * @param cancelled  whether it stopped early on request (a checkpoint of {@code lastStep} was written)
 * @param finalDir   {@code DIR/final}, or null when cancelled
 * @param lastLoss   the loss of the last step (NaN when no step ran)
 */
public record TrainingResult(long lastStep, long steps, boolean cancelled, Path finalDir, double lastLoss) {
}
