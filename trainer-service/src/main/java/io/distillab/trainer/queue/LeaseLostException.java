package io.distillab.trainer.queue;

/**
 * The worker no longer holds the job (its lease expired and another worker took it over, or the job
 * was deleted): it must stop and write nothing more.
 */
public final class LeaseLostException extends RuntimeException {
    public LeaseLostException(long jobId) {
        super("lost the lease on job " + jobId);
    }
}
