package io.distillab.service.support.auth;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * Stores the hashes of the keys in {@code distillab.auth.bootstrap-keys}
 * ({@code DISTILLAB_AUTH_BOOTSTRAP_KEYS}) at start, after the migrations. A malformed setting stops
 * the start: a service that silently refused its callers' keys would be worse.
 */
@ApplicationScoped
public class BootstrapKeysStartup {
    public static final String KEYS = "distillab.auth.bootstrap-keys";
    private static final Logger LOG = Logger.getLogger(BootstrapKeysStartup.class);

    void onStart(@Observes StartupEvent event, Config config, DataSource dataSource) throws SQLException {
        List<BootstrapKeys.BootstrapKey> keys = BootstrapKeys.parse(config.getOptionalValue(KEYS, String.class).orElse(""));
        if (keys.isEmpty()) {
            return;
        }
        Map<String, BootstrapKeys.Outcome> outcomes = BootstrapKeys.ensure(new ApiKeyStore(dataSource), keys);
        outcomes.forEach((name, outcome) -> {
            switch (outcome) {
                case STORED -> LOG.infof("Bootstrap API key '%s' stored (its hash)", name);
                case PRESENT -> LOG.debugf("Bootstrap API key '%s' was stored already", name);
                case CONFLICT -> LOG.warnf("Bootstrap API key '%s' is not accepted: the name is stored with another key "
                        + "or role, or the key under another name. Revoke the stored one (DELETE /api/v1/api-keys/%s) "
                        + "and restart to take the configured key", name, name);
            }
        });
    }
}
