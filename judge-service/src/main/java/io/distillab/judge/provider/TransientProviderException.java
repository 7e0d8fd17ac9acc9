package io.distillab.judge.provider;

import io.distillab.judge.judgment.ErrorKind;

/**
 * A provider failure worth retrying: 429, 5xx, a timeout, a refused connection, or an HTTP answer
 * that is not a chat completion.
 */
public class TransientProviderException extends ProviderException {
    public TransientProviderException(ErrorKind kind, String message, Throwable cause) {
        super(kind, message, cause);
    }
}
