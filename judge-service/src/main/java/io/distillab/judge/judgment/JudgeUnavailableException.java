package io.distillab.judge.judgment;

/**
 * The judge could not be asked: the provider kept failing (429, 5xx, timeouts) through the
 * retries, the circuit breaker is open, or the provider refused the request. Nothing is recorded.
 */
public class JudgeUnavailableException extends RuntimeException {
    public JudgeUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
