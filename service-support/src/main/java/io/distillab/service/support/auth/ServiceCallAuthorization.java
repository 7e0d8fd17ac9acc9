package io.distillab.service.support.auth;

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
 * Sends another DistilLab service the API key this service is known by there: the configured key
 * ({@code keyProperty}, e.g. {@code distillab.judge.api-key} / {@code DISTILLAB_JUDGE_API_KEY}), or,
 * when none is configured and the other service runs on this machine, that service's local admin
 * key file ({@code $DISTILLAB_HOME/<service>/admin-key}). A rest client registers a subclass that
 * names the two. Read per request: a key file written after this service started (the other
 * service started second) is still found.
 */
public abstract class ServiceCallAuthorization implements ClientRequestFilter {
    private final String keyProperty;
    private final String service;

    /**
     * @param keyProperty the property holding the key configured for calls to {@code service}
     * @param service     the other service's name, the folder of its local admin key
     */
    protected ServiceCallAuthorization(String keyProperty, String service) {
        this.keyProperty = keyProperty;
        this.service = service;
    }

    @Override
    public void filter(ClientRequestContext request) throws IOException {
        Config config = ConfigProvider.getConfig();
        key(config.getOptionalValue(keyProperty, String.class),
                Path.of(config.getValue("distillab.home", String.class)), service, request.getUri())
                .ifPresent(k -> request.getHeaders().putSingle("Authorization", "Bearer " + k));
    }

    /**
     * The key to send to {@code service} at {@code target}: the configured one when it is not
     * blank, else for a loopback target the local admin key under {@code home}, else none.
     */
    public static Optional<String> key(Optional<String> configured, Path home, String service, URI target)
            throws IOException {
        Optional<String> key = configured.map(String::trim).filter(k -> !k.isEmpty());
        if (key.isPresent() || !isLoopback(target)) {
            return key;
        }
        Path file = home.resolve(service).resolve("admin-key");
        if (!Files.isReadable(file)) {
            return Optional.empty();
        }
        return Optional.of(Files.readString(file).trim()).filter(k -> !k.isEmpty());
    }

    /** Only a service on this machine may be sent its own local admin key. */
    static boolean isLoopback(URI uri) {
        try {
            return uri.getHost() != null && InetAddress.getByName(uri.getHost()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
