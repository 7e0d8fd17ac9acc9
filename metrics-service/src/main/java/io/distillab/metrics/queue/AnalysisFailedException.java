package io.distillab.metrics.queue;

/** An analysis that cannot be computed; its message becomes the analysis's error, for users to read. */
public class AnalysisFailedException extends RuntimeException {
    public AnalysisFailedException(String message) {
        super(message);
    }

    public AnalysisFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
