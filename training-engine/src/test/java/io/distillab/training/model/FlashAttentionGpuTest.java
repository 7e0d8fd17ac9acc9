package io.distillab.training.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.distillab.training.cuda.CudaDevice;
import io.distillab.training.cuda.CudaDriver;
import io.distillab.training.cuda.CudaUnavailableException;
import io.distillab.training.cuda.Kernels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The flash-attention kernels against the CPU reference over every shape and precision of
 * {@link FlashAttentionCheck} (tolerances stated there). Skipped (JUnit assumption) where there
 * is no usable GPU; the timing is in FlashAttentionCheck.run, not here.
 */
class FlashAttentionGpuTest {
    @Test
    void kernelsMatchTheReferenceForEveryShapeAndPrecision() throws CudaUnavailableException {
        String unavailable = null;
        try {
            CudaDriver.initialise();
        } catch (CudaUnavailableException e) {
            unavailable = e.getMessage();
        }
        String reason = unavailable;
        assumeTrue(reason == null, () -> "no usable CUDA GPU: " + reason);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        long seed = System.nanoTime();
        try (CudaDevice gpu = CudaDevice.open(0); Kernels kernels = Kernels.load(gpu, FlashAttention.MODULE);
                PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            int failures = FlashAttentionCheck.check(kernels, out, seed);
            assertEquals(0, failures, "seed " + seed + "\n" + log.toString(StandardCharsets.UTF_8));
        }
    }
}
