package io.distillab.trainer.queue;

import io.agroal.api.AgroalDataSource;
import io.distillab.trainer.gpu.GpuInventory;
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
 * Prometheus meters: {@code distillab_trainer_jobs{state}} across all replicas (one query at most once
 * a second however often Prometheus scrapes), this replica's {@code distillab_trainer_steps_per_second}
 * and {@code distillab_trainer_tokens_per_second} (sums over its running jobs),
 * {@code distillab_trainer_gpus} and {@code distillab_trainer_gpu_memory_total_bytes{gpu}}.
 */
@ApplicationScoped
public class SchedulerMetrics {
    private static final Logger LOG = Logger.getLogger(SchedulerMetrics.class);
    private static final List<String> STATES = List.of("queued", "running", "succeeded", "failed", "cancelled");
    private static final long MAX_AGE_NANOS = 1_000_000_000L;

    private final AgroalDataSource dataSource;
    private final MeterRegistry registry;
    private final Scheduler scheduler;
    private final Map<String, Long> counts = new ConcurrentHashMap<>();
    private volatile long countedAt;

    SchedulerMetrics(AgroalDataSource dataSource, MeterRegistry registry, Scheduler scheduler) {
        this.dataSource = dataSource;
        this.registry = registry;
        this.scheduler = scheduler;
    }

    void register(@Observes StartupEvent event) {
        for (String state : STATES) {
            Gauge.builder("distillab.trainer.jobs", this, m -> m.count(state)).tag("state", state)
                    .description("Jobs by state (all replicas)").register(registry);
        }
        Gauge.builder("distillab.trainer.steps.per.second", scheduler,
                s -> s.workers().stream().mapToDouble(w -> w.rates().stepsPerS()).sum())
                .description("Training steps per second of the jobs this replica runs").register(registry);
        Gauge.builder("distillab.trainer.tokens.per.second", scheduler,
                s -> s.workers().stream().mapToDouble(w -> w.rates().tokensPerS()).sum())
                .description("Tokens per second of the jobs this replica runs").register(registry);
        Gauge.builder("distillab.trainer.gpus", scheduler, s -> s.gpus().count())
                .description("GPUs of this replica (JCuda driver API)").register(registry);
        for (GpuInventory.Gpu g : scheduler.gpus().gpus()) {
            Gauge.builder("distillab.trainer.gpu.memory.total.bytes", g, GpuInventory.Gpu::totalMemoryBytes)
                    .tag("gpu", Integer.toString(g.ordinal())).description("Memory of each GPU").register(registry);
        }
    }

    private synchronized double count(String state) {
        long now = System.nanoTime();
        if (countedAt == 0 || now - countedAt > MAX_AGE_NANOS) {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT status, count(*) FROM job GROUP BY status")) {
                counts.clear();
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
                countedAt = now;
            } catch (Exception e) {
                LOG.debugf("Could not count jobs: %s", e.getMessage());
                return Double.NaN;
            }
        }
        return counts.getOrDefault(state, 0L);
    }
}
