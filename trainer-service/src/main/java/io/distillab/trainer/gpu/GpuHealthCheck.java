package io.distillab.trainer.gpu;

import io.distillab.trainer.queue.Scheduler;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness: the GPUs this replica found (a CPU-only replica is UP with 0 devices and the reason) and
 * its workers. DOWN only when the scheduler is on and a worker thread has died.
 */
@Readiness
@ApplicationScoped
public class GpuHealthCheck implements HealthCheck {
    private final Scheduler scheduler;

    GpuHealthCheck(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public HealthCheckResponse call() {
        GpuInventory gpus = scheduler.gpus();
        long alive = scheduler.workers().stream().filter(w -> w.alive()).count();
        int slots = scheduler.enabled() ? scheduler.slots().size() : 0;
        HealthCheckResponseBuilder b = HealthCheckResponse.named("gpus-and-workers")
                .status(alive == slots || !scheduler.enabled())
                .withData("devices", gpus.count())
                .withData("mode", scheduler.kubernetesMode() ? "kubernetes" : "local")
                .withData("slots", slots)
                .withData("workers", alive);
        for (GpuInventory.Gpu g : gpus.gpus()) {
            b.withData("gpu" + g.ordinal(), g.name() + ", " + g.totalMemoryBytes() / (1 << 20) + " MiB");
        }
        if (gpus.reason() != null) {
            b.withData("cpuOnly", gpus.reason());
        }
        return b.build();
    }
}
