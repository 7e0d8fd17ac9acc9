package io.distillab.training.loss;

import io.distillab.training.cuda.CudaUnavailableException;
import java.util.function.Consumer;

/** Opens the loss implementation for a {@link Device}. */
public final class LossEngines {
    private LossEngines() {
    }

    /**
     * CPU: the exact CPU path. CUDA: the GPU, or {@link CudaUnavailableException}. AUTO: the GPU
     * when one is usable, else the CPU, with one line to {@code log} saying why.
     */
    public static SpanMaskedLoss open(Device device, int cpuThreads, Consumer<String> log)
            throws CudaUnavailableException {
        return switch (device) {
            case CPU -> new CpuSpanMaskedLoss(cpuThreads);
            case CUDA -> CudaSpanMaskedLoss.open();
            case AUTO -> {
                try {
                    yield CudaSpanMaskedLoss.open();
                } catch (CudaUnavailableException e) {
                    log.accept("no usable CUDA GPU (" + e.getMessage() + "); computing the loss on the CPU");
                    yield new CpuSpanMaskedLoss(cpuThreads);
                }
            }
        };
    }
}
