package io.distillab.metrics.queue;

/**
 * A claimed analysis.
 *
 * @param parameters the stored parameters (JSON)
 * @param attempt    1 for the first claim, 2 when a worker takes it over from one that died, ...
 */
public record Job(long id, long datasetId, String parameters, int attempt) {
}
