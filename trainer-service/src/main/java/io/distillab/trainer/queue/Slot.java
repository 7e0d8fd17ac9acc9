package io.distillab.trainer.queue;

import java.util.Set;

/**
 * Where a worker runs its jobs: GPU {@code index}, a CPU slot, or (Kubernetes mode) a cluster slot
 * whose jobs run in pods on the GPU node pool.
 */
public record Slot(Kind kind, int index, boolean replicaHasGpu) {
    public enum Kind { GPU, CPU, KUBERNETES }

    /** The job devices this slot takes: a GPU takes cuda and auto jobs; a CPU slot cpu jobs, and auto ones where there is no GPU. */
    public Set<String> devices() {
        return switch (kind) {
            case GPU -> Set.of("cuda", "auto");
            case KUBERNETES -> Set.of("cpu", "cuda", "auto");
            case CPU -> replicaHasGpu ? Set.of("cpu") : Set.of("cpu", "auto");
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case GPU -> "gpu " + index;
            case CPU -> "cpu slot " + index;
            case KUBERNETES -> "kubernetes slot " + index;
        };
    }
}
