package io.distillab.service.support.auth;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * Makes the local admin key at the first start of a service on its embedded PostgreSQL
 * ({@code distillab.auth.local-admin-key.enabled=auto}, the default), or always/never
 * ({@code true}/{@code false}). A service on an external database (Kubernetes) makes none: its
 * keys come from JWTs or from an admin through {@code /api/v1/api-keys}.
 */
@ApplicationScoped
public class LocalAdminKeyStartup {
    public static final String ENABLED = "distillab.auth.local-admin-key.enabled";
    public static final String FILE = "distillab.auth.local-admin-key.file";
    private static final Logger LOG = Logger.getLogger(LocalAdminKeyStartup.class);

    void onStart(@Observes StartupEvent event, Config config, DataSource dataSource) throws SQLException {
        String enabled = config.getOptionalValue(ENABLED, String.class).orElse("auto").trim();
        boolean embedded = config.getConfigValue("quarkus.datasource.jdbc.url").getSourceName() != null
                && config.getConfigValue("quarkus.datasource.jdbc.url").getSourceName().startsWith("EmbeddedPostgres");
        if (enabled.equalsIgnoreCase("false") || (enabled.equalsIgnoreCase("auto") && !embedded)) {
            return;
        }
        Path file = Path.of(config.getValue(FILE, String.class));
        ApiKeyStore store = new ApiKeyStore(dataSource);
        // The key goes to standard output, once, not to the log: log lines are shipped and kept.
        LocalAdminKey.ensure(store, file, key -> System.out.printf(
                "%n  Local admin API key (shown once; also in %s, mode 0600):%n  %s%n%n", file, key));
        if (!file.toFile().exists()) {
            LOG.warnf("The local admin key exists in the database but %s is missing; delete the key named '%s' "
                    + "from table api_key and restart to make a new one", file, LocalAdminKey.NAME);
        }
    }
}
