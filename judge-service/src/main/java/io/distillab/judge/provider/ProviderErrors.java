package io.distillab.judge.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.RetriableException;
import io.distillab.judge.judgment.ErrorKind;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.util.concurrent.TimeoutException;

/**
 * Sorts what the LangChain4j client throws into error kinds, retryable or final. LangChain4j
 * maps HTTP statuses to {@link RetriableException}s (429, 5xx, 408) when it can; the Quarkus REST
 * client underneath may also surface raw {@link HttpException}s, Vert.x/Netty timeouts or Jackson
 * errors wrapped in a ProcessingException, so the whole cause chain is inspected, an HTTP status
 * anywhere in it deciding first.
 */
final class ProviderErrors {
    private ProviderErrors() {
    }

    static ProviderException classify(RuntimeException e) {
        ErrorKind kind = kindOf(e);
        String what = describe(e);
        return kind == ErrorKind.REFUSED ? new ProviderException(kind, what, e)
                : new TransientProviderException(kind, what, e);
    }

    static ErrorKind kindOf(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof HttpException http) {
                int status = http.statusCode();
                if (status == 429) {
                    return ErrorKind.RATE_LIMITED;
                }
                if (status == 408) {
                    return ErrorKind.TIMEOUT;
                }
                return status >= 500 ? ErrorKind.SERVER_ERROR : ErrorKind.REFUSED;
            }
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof RateLimitException) {
                return ErrorKind.RATE_LIMITED;
            }
            // With no HTTP status in the chain, LangChain4j's InternalServerException is its own
            // complaint about a 200 it could not use ("no choices returned in response").
            if (c instanceof InternalServerException) {
                return ErrorKind.MALFORMED_RESPONSE;
            }
            // java.util.concurrent's, LangChain4j's, io.vertx...NoStackTraceTimeoutException, Netty's
            if (c instanceof TimeoutException || c instanceof InterruptedIOException
                    || c.getClass().getSimpleName().contains("Timeout")) {
                return ErrorKind.TIMEOUT;
            }
            if (c instanceof ConnectException || c instanceof SocketException) {
                return ErrorKind.UNREACHABLE;
            }
            // A 200 whose body is not JSON, or not a chat completion.
            if (c instanceof JsonProcessingException) {
                return ErrorKind.MALFORMED_RESPONSE;
            }
            if (c instanceof RetriableException) {
                return ErrorKind.SERVER_ERROR;
            }
        }
        return ErrorKind.REFUSED;
    }

    /**
     * A short description for logs and error fields: the exception types and HTTP status, never
     * the request (which carries the Authorization header) and only the start of a body, any
     * credential the provider echoed removed first ({@link SecretRedaction}).
     */
    static String describe(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof HttpException http) {
                return "HTTP " + http.statusCode() + " from the provider: "
                        + abbreviate(SecretRedaction.redact(http.getMessage()), 200);
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return e.getClass().getSimpleName() + (root == e ? "" : " caused by " + root.getClass().getSimpleName())
                + ": " + abbreviate(SecretRedaction.redact(String.valueOf(root.getMessage())), 200);
    }

    static String abbreviate(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }
}
