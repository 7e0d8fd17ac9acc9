package io.distillab.metrics.queue;

/**
 * The worker no longer holds the analysis (its lease expired and another worker took it over, or
 * the analysis was deleted): it must stop and write nothing more.
 */
public final class LeaseLostException extends RuntimeException {
    public LeaseLostException(long analysisId) {
        super("lost the lease on analysis " + analysisId);
    }
}
