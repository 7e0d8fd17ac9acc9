package io.distillab.trainer.gpu;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * This replica's GPUs, asked of the driver once. {@code distillab.scheduler.gpus} caps how many of
 * them the service uses (0: none, leaving the GPUs to something else).
 */
@ApplicationScoped
public class GpuInventoryProducer {
    @Produces
    @ApplicationScoped
    GpuInventory gpus(@ConfigProperty(name = "distillab.scheduler.gpus") Optional<Integer> cap) {
        GpuInventory found = GpuInventory.detect();
        if (cap.isPresent() && cap.get() < found.count()) {
            return GpuInventory.of(found.gpus().subList(0, Math.max(0, cap.get())),
                    "distillab.scheduler.gpus=" + cap.get() + " of " + found.count() + " GPUs");
        }
        return found;
    }
}
