package io.distillab.service.support.limits;

import jakarta.inject.Inject;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the bytes of every request entity read into an object (JSON bodies) and refuses one
 * over {@code distillab.limits.body-bytes} with 413 while it is read, also when it comes chunked
 * without a Content-Length. Endpoints that take the body as an {@link InputStream} (file uploads)
 * are left to wrap it in their own, larger {@link LimitedInputStream}.
 */
@Provider
public class JsonBodyLimit implements ReaderInterceptor {
    @Inject
    RequestBodyLimits limits;

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        if (InputStream.class.isAssignableFrom(context.getType())) {
            return context.proceed();
        }
        LimitedInputStream limited = new LimitedInputStream(context.getInputStream(), limits.bodyBytes(),
                RequestBodyLimits.BODY_SETTING);
        context.setInputStream(limited);
        try {
            return context.proceed();
        } catch (RuntimeException | IOException e) {
            // the JSON reader answers a plain 400 for whatever stopped it reading (the cause may be
            // lost on the way); a body that passed the limit is the limit's 413
            if (limited.exceeded()) {
                throw PayloadTooLargeException.body(limits.bodyBytes(), RequestBodyLimits.BODY_SETTING);
            }
            throw e;
        }
    }
}
