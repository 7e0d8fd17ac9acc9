package io.distillab.metrics.judge;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Sends judge-service the API key it knows metrics-service by: {@code distillab.judge.api-key}
 * ({@code DISTILLAB_JUDGE_API_KEY}, a writer key made on judge-service), or, when judge-service
 * runs on this machine and no key is configured, judge-service's local admin key file
 * ({@code $DISTILLAB_HOME/judge-service/admin-key}). Read per request: a key file written after
 * this service started (judge-service started second) is still found.
 */
public class JudgeAuthorization implements ClientRequestFilter {
    static final String API_KEY = "distillab.judge.api-key";

    @Override
    public void filter(ClientRequestContext request) throws IOException {
        Config config = ConfigProvider.getConfig();
        Optional<String> key = config.getOptionalValue(API_KEY, String.class).filter(k -> !k.isBlank());
        if (key.isEmpty() && isLoopback(request.getUri())) {
            Path file = Path.of(config.getValue("distillab.home", String.class), "judge-service", "admin-key");
            if (Files.isReadable(file)) {
                key = Optional.of(Files.readString(file).trim()).filter(k -> !k.isEmpty());
            }
        }
        key.ifPresent(k -> request.getHeaders().putSingle("Authorization", "Bearer " + k));
    }

    private static boolean isLoopback(URI uri) {
        try {
            return uri.getHost() != null && InetAddress.getByName(uri.getHost()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
