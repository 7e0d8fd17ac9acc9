package io.distillab.judge.provider;

import io.distillab.judge.judgment.ErrorKind;

/**
 * The provider refused a request in a way retrying will not fix (401, 400, unknown model), or
 * no concurrency slot came free in time. Not retried, not counted by the circuit breaker.
 */
public class ProviderException extends RuntimeException {
    private final ErrorKind kind;

    public ProviderException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }
}
