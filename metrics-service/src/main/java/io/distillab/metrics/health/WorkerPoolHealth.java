package io.distillab.metrics.health;

import io.distillab.metrics.queue.WorkerPool;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live while the configured analysis workers are alive (a dead worker thread would leave queued
 * analyses to other replicas forever). Readiness comes with the datasource's own check.
 */
@Liveness
@ApplicationScoped
public class WorkerPoolHealth implements HealthCheck {
    private final WorkerPool pool;

    WorkerPoolHealth(WorkerPool pool) {
        this.pool = pool;
    }

    @Override
    public HealthCheckResponse call() {
        int alive = pool.running();
        return HealthCheckResponse.named("analysis-workers")
                .status(!pool.enabled() || alive == pool.size())
                .withData("enabled", pool.enabled()).withData("workers", pool.size()).withData("alive", alive)
                .build();
    }
}
