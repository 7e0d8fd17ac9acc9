package io.distillab.metrics.judge;

import io.distillab.metrics.queue.AnalysisFailedException;

/** judge-service could not be asked (unreachable, timing out, or its own judge down). */
public class JudgeUnavailableException extends AnalysisFailedException {
    public static final String CODE = "judge-unavailable";

    public JudgeUnavailableException(String message, Throwable cause) {
        super(CODE, message, cause);
    }
}
