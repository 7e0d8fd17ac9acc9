package io.distillab.metrics.queue;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * {@code distillab_analyses{status="queued|running|done|failed"}}: analyses by status across all
 * replicas (the queue is shared, so every replica reports the same counts), counted in one query
 * at most once a second however often Prometheus scrapes.
 */
@ApplicationScoped
public class QueueMetrics {
    private static final Logger LOG = Logger.getLogger(QueueMetrics.class);
    private static final List<String> STATUSES = List.of("queued", "running", "done", "failed");
    private static final long MAX_AGE_NANOS = 1_000_000_000L;

    private final AgroalDataSource dataSource;
    private final MeterRegistry registry;
    private final Map<String, Long> counts = new ConcurrentHashMap<>();
    private volatile long countedAt;

    QueueMetrics(AgroalDataSource dataSource, MeterRegistry registry) {
        this.dataSource = dataSource;
        this.registry = registry;
    }

    void register(@Observes StartupEvent event) {
        for (String status : STATUSES) {
            Gauge.builder("distillab.analyses", this, m -> m.count(status)).tag("status", status)
                    .description("Analyses by status (all replicas)").register(registry);
        }
    }

    private synchronized double count(String status) {
        long now = System.nanoTime();
        if (countedAt == 0 || now - countedAt > MAX_AGE_NANOS) {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT status, count(*) FROM analysis GROUP BY status")) {
                counts.clear();
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
                countedAt = now;
            } catch (Exception e) {
                LOG.debugf("Could not count analyses: %s", e.getMessage());
                return Double.NaN;
            }
        }
        return counts.getOrDefault(status, 0L);
    }
}
