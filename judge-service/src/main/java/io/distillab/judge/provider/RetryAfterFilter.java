package io.distillab.judge.provider;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.client.ClientResponseFilter;
import jakarta.ws.rs.ext.Provider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Keeps the provider's {@code Retry-After}: LangChain4j turns an HTTP error into an exception with
 * the status and body only, so for a 429 or 503 that carries the header this filter, on the
 * REST client underneath LangChain4j, fails the call with a {@link RetryAfterHttpException} instead.
 */
@Provider
public class RetryAfterFilter implements ClientResponseFilter {
    private static final int MAX_BODY = 2048;

    @Override
    public void filter(ClientRequestContext request, ClientResponseContext response) throws IOException {
        int status = response.getStatus();
        if (status != 429 && status != 503) {
            return;
        }
        var after = RetryAfter.parse(response.getHeaderString("Retry-After"), Instant.now());
        if (after.isEmpty()) {
            return;
        }
        String body = "";
        if (response.hasEntity()) {
            try (InputStream in = response.getEntityStream()) {
                body = new String(in.readNBytes(MAX_BODY), StandardCharsets.UTF_8);
            }
        }
        throw new RetryAfterHttpException(status, body, after.get());
    }
}
