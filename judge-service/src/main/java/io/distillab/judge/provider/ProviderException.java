package io.distillab.judge.provider;

/**
 * The provider refused a request in a way retrying will not fix (401, 400, unknown model), or
 * no concurrency slot came free in time. Not retried, not counted by the circuit breaker.
 */
public class ProviderException extends RuntimeException {
    public ProviderException(String message, Throwable cause) {
        super(message, cause);
    }
}
