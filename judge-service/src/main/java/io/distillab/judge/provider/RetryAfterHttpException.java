package io.distillab.judge.provider;

import dev.langchain4j.exception.HttpException;
import java.time.Duration;
import java.util.Optional;

/**
 * An HTTP 429 or 503 whose answer said when to ask again. An {@link HttpException}, so that
 * LangChain4j maps it by its status as it maps its own; {@link ProviderBackoff} finds it in the
 * cause chain and waits as long as it asks.
 */
public class RetryAfterHttpException extends HttpException {
    private final Duration retryAfter;

    public RetryAfterHttpException(int status, String body, Duration retryAfter) {
        super(status, body);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    /** The delay a failure's cause chain asks for, if any. */
    static Optional<Duration> in(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause()) {
            if (c instanceof RetryAfterHttpException r) {
                return Optional.of(r.retryAfter());
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return Optional.empty();
    }
}
