package io.distillab.judge.judgment;

/**
 * The judge could not be asked: the provider kept failing (429, 5xx, timeouts) through the
 * retries, the circuit breaker is open, or the provider refused the request. Nothing is cached;
 * the failure is recorded with its {@link ErrorKind} in table {@code provider_error}.
 */
public class JudgeUnavailableException extends RuntimeException {
    private final ErrorKind kind;

    public JudgeUnavailableException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }
}
