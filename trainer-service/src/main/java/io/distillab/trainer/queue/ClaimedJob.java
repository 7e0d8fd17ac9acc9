package io.distillab.trainer.queue;

/**
 * A job a worker has claimed.
 *
 * @param parameters     the stored parameters (JSON)
 * @param attempt        1 for the first claim, 2 when a worker takes it over from one that died, ...
 * @param checkpointStep the step of the newest checkpoint a previous attempt recorded, or 0
 */
public record ClaimedJob(long id, String parameters, String dataFile, String dataFormat, String device,
                         long totalSteps, int attempt, long checkpointStep) {
}
