package io.distillab.cli.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The credential the CLI sends to a service ({@code Authorization: Bearer ...}): the
 * {@code --token} option, else {@code DISTILLAB_TOKEN}, else, for a service on this machine, the
 * local admin key the service wrote at its first start ({@code $DISTILLAB_HOME/<service>/admin-key},
 * {@code DISTILLAB_HOME} defaulting to {@code ~/.distillab}). An API key ({@code dlk_...}) or a JWT, the service tells them apart.
 */
public final class ServerToken {
    public static final String ENV = "DISTILLAB_TOKEN";
    public static final String METRICS = "metrics-service";
    public static final String TRAINER = "trainer-service";
    public static final String JUDGE = "judge-service";

    private ServerToken() {
    }

    /** For metrics-service, with the process's environment and home. */
    public static Optional<String> resolve(String option, URI server) {
        return resolve(option, server, METRICS);
    }

    /** For {@code service} (its local admin key's folder name), with the process's environment and home. */
    public static Optional<String> resolve(String option, URI server, String service) {
        return resolve(option, System.getenv(), Path.of(System.getProperty("user.home")), server, service);
    }

    static Optional<String> resolve(String option, Map<String, String> env, Path userHome, URI server) {
        return resolve(option, env, userHome, server, METRICS);
    }

    static Optional<String> resolve(String option, Map<String, String> env, Path userHome, URI server,
            String service) {
        if (option != null && !option.isBlank()) {
            return Optional.of(option.trim());
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Optional.of(fromEnv.trim());
        }
        if (!isLoopback(server)) {
            return Optional.empty();
        }
        String home = env.get("DISTILLAB_HOME");
        Path file = (home == null || home.isBlank() ? userHome.resolve(".distillab") : Path.of(home))
                .resolve(service).resolve("admin-key");
        if (!Files.isReadable(file)) {
            return Optional.empty();
        }
        try {
            String key = Files.readString(file).trim();
            return key.isEmpty() ? Optional.empty() : Optional.of(key);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the local admin key " + file, e);
        }
    }

    /** Only a server on this machine may be sent the local admin key. */
    static boolean isLoopback(URI server) {
        String host = server.getHost();
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            return InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
