package io.distillab.service.support;

import io.quarkus.runtime.ExecutionMode;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.jboss.logging.Logger;

/**
 * The services' embedded-PostgreSQL default: when no {@code quarkus.datasource.jdbc.url} is
 * configured, a real PostgreSQL is started on a local data directory and the default datasource
 * points at it. Production configures an external PostgreSQL through that URL (property or
 * {@code QUARKUS_DATASOURCE_JDBC_URL}) and this factory then does nothing.
 *
 * <p>Registered through {@code META-INF/services/io.smallrye.config.ConfigSourceFactory}, so a
 * service only has to depend on this jar. Settings (all optional):
 * <ul>
 *   <li>{@code distillab.embedded-postgres.enabled} (default {@code true}): {@code false} turns
 *       the default off; the datasource is then inactive until a URL is configured;</li>
 *   <li>{@code distillab.embedded-postgres.data-dir} (default
 *       {@code $DISTILLAB_HOME/<quarkus.application.name>/postgres}, DISTILLAB_HOME defaulting to
 *       {@code ~/.distillab}): the cluster's directory,
 *       kept across restarts;</li>
 *   <li>{@code distillab.embedded-postgres.port} (default 0: any free port).</li>
 * </ul>
 *
 * <p>The server starts lazily, on the first read of one of the datasource properties, and once
 * per JVM: Quarkus builds its configuration more than once (static and runtime init) and also
 * while it builds the application, where nothing should be started.
 */
public final class EmbeddedPostgresConfigSourceFactory implements ConfigSourceFactory {

    public static final String ENABLED = "distillab.embedded-postgres.enabled";
    public static final String DATA_DIR = "distillab.embedded-postgres.data-dir";
    public static final String PORT = "distillab.embedded-postgres.port";

    /**
     * Above application.properties (250) so that, once the default applies, the embedded
     * server's own user wins over a username written for an external database; below
     * environment variables (300) and system properties (400).
     */
    static final int ORDINAL = 275;

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgresConfigSourceFactory.class);
    private static final Set<String> PROVIDED = Set.of(
            EmbeddedPostgresServer.JDBC_URL, EmbeddedPostgresServer.USERNAME, EmbeddedPostgresServer.PASSWORD);

    private static EmbeddedPostgresServer shared;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (isSet(context.getValue(EmbeddedPostgresServer.JDBC_URL))
                || "false".equalsIgnoreCase(valueOr(context, ENABLED, "true").trim())) {
            return List.of();
        }
        Path dataDir = Path.of(valueOr(context, DATA_DIR, defaultDataDir(context)));
        int port = Integer.parseInt(valueOr(context, PORT, "0").trim());
        return List.of(new LazySource(dataDir, port));
    }

    /** The running shared server, started on first use. */
    static synchronized EmbeddedPostgresServer sharedServer(Path dataDir, int port) {
        if (shared == null) {
            LOG.infof("No %s configured: starting embedded PostgreSQL with data in %s",
                    EmbeddedPostgresServer.JDBC_URL, dataDir);
            shared = EmbeddedPostgresServer.start(dataDir, true, port);
            LOG.infof("Embedded PostgreSQL listening on localhost:%d", shared.port());
        }
        return shared;
    }

    /** Stops the shared server; for tests, which must not leave it running on a deleted directory. */
    static synchronized void stopSharedServer() {
        if (shared != null) {
            shared.close();
            shared = null;
        }
    }

    private static String defaultDataDir(ConfigSourceContext context) {
        return defaultDataDir(valueOr(context, "quarkus.application.name", "distillab"), System.getenv(),
                System.getProperty("user.home")).toString();
    }

    /**
     * {@code $DISTILLAB_HOME/<app>/postgres}, DISTILLAB_HOME defaulting to {@code ~/.distillab}: the
     * same home as the local admin key's ({@code distillab.home}), so a service started with another
     * DISTILLAB_HOME gets a database of its own and the key that goes with it.
     */
    static Path defaultDataDir(String app, java.util.Map<String, String> env, String userHome) {
        String home = env.get("DISTILLAB_HOME");
        Path base = home != null && !home.isBlank() ? Path.of(home) : Path.of(userHome, ".distillab");
        return base.resolve(app).resolve("postgres");
    }

    private static String valueOr(ConfigSourceContext context, String name, String fallback) {
        ConfigValue value = context.getValue(name);
        return isSet(value) ? value.getValue() : fallback;
    }

    private static boolean isSet(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank();
    }

    /** Answers the three datasource properties, starting the server the first time it is asked. */
    private static final class LazySource implements ConfigSource {
        private final Path dataDir;
        private final int port;

        LazySource(Path dataDir, int port) {
            this.dataDir = dataDir;
            this.port = port;
        }

        /**
         * Empty on purpose: Quarkus, while it builds the application, walks every source's
         * names and reads the values of runtime properties it finds to record them; listing the
         * datasource properties here starts PostgreSQL during the build (seen). Values are still
         * answered by name; Quarkus's datasource mapping does not ask for the username that way,
         * hence the user inside the JDBC URL.
         */
        @Override
        public Set<String> getPropertyNames() {
            return Set.of();
        }

        @Override
        public Map<String, String> getProperties() {
            return Map.of();
        }

        /**
         * Only a running application starts the server. Quarkus also reads the JDBC URL by name while
         * it builds the application (every {@code mvn package}), when its execution mode is still
         * UNSET: starting PostgreSQL then would write a cluster into the user's home at build time,
         * and fail the build while the service itself runs on that directory (seen).
         */
        @Override
        public String getValue(String propertyName) {
            if (!PROVIDED.contains(propertyName) || ExecutionMode.current() == ExecutionMode.UNSET) {
                return null;
            }
            return sharedServer(dataDir, port).datasourceProperties().get(propertyName);
        }

        @Override
        public int getOrdinal() {
            return ORDINAL;
        }

        @Override
        public String getName() {
            return "EmbeddedPostgresConfigSource[" + dataDir + "]";
        }
    }
}
