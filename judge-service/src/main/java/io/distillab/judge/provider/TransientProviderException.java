package io.distillab.judge.provider;

/** A provider failure worth retrying: 429, 5xx, a timeout or a refused connection. */
public class TransientProviderException extends ProviderException {
    public TransientProviderException(String message, Throwable cause) {
        super(message, cause);
    }
}
