package io.distillab.judge.provider;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.RetriableException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/**
 * Sorts what the LangChain4j client throws into retryable and final failures. LangChain4j maps
 * HTTP statuses to {@link RetriableException}s (429, 5xx, 408) when it can; the Quarkus REST
 * client underneath may also surface raw {@link HttpException}s or Vert.x/Netty timeouts wrapped
 * in a ProcessingException, so the whole cause chain is inspected.
 */
final class ProviderErrors {
    private ProviderErrors() {
    }

    static ProviderException classify(RuntimeException e) {
        String what = describe(e);
        return isTransient(e) ? new TransientProviderException(what, e) : new ProviderException(what, e);
    }

    static boolean isTransient(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof RetriableException || c instanceof TimeoutException
                    || c instanceof InterruptedIOException || c instanceof ConnectException) {
                return true;
            }
            if (c instanceof HttpException http) {
                int status = http.statusCode();
                return status == 429 || status == 408 || status >= 500;
            }
            // io.vertx.core.http.impl.NoStackTraceTimeoutException, io.netty...ReadTimeoutException
            if (c.getClass().getSimpleName().contains("Timeout")) {
                return true;
            }
        }
        return false;
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
