package io.distillab.training.loss;

import java.util.List;
import java.util.Locale;

/**
 * Which kernel of span_masked_loss.cu runs a problem, and with what launch shape. Pure
 * arithmetic, so it is tested without a GPU.
 *
 * <p>The streaming kernel, the default, gives each row one block and reads the row twice (the
 * second sweep mostly from HBM again): 20 bytes per float32 element against the 12-byte floor.
 *
 * <p>Split streaming ({@link #split}; override "s4o3", "s8o3" or "s8o4", float32 on sm_90) gives
 * each row a cluster of 4 or 8 blocks that stream their slices twice with no shared-memory copy,
 * so the second read hits L2, with the register budget sized for three or four blocks per
 * multiprocessor. These three are the variants a measurement keeps: +1 to +4% over streaming at
 * f32 V = 151936 on an H200 (one shape; runs 5 and 6 in bench/results/gpu), so they are kept for
 * that shape and chosen only on request. Every other variant measured slower than streaming at
 * every shape tried and was retired (docs/performance.md, "Retired kernels"): the cached
 * (shared-memory, single-read) kernels c1..c16, split s8 and s16 with their b1/h/o3/o4 tunings at
 * cluster 16, and bfloat16 split.
 *
 * @param kernel        the entry point's name
 * @param cluster       blocks per row (1 for the streaming kernel)
 * @param sliceElements row elements per block (split kernels), a multiple of the 16-byte group
 * @param blocks        grid size
 */
public record KernelPlan(String kernel, int cluster, int sliceElements, int blocks) {
    public static final int THREADS = 512;

    /** What the planner needs to know about the device and the problem. */
    public record Problem(Logits.Precision precision, int rows, int vocab, boolean clusters) {
    }

    public boolean streaming() {
        return sliceElements == 0;
    }

    /** Whether this is a split-streaming plan (cluster blocks per row, no shared-memory copy). */
    public boolean split() {
        return kernel.contains("_split_");
    }

    /** A short label for tables: {@code split c8 o4} or {@code streaming}. */
    public String label() {
        if (split()) {
            String tail = kernel.substring(kernel.indexOf("_split_c") + "_split_c".length());
            int variant = tail.indexOf('_');
            return "split c" + (variant < 0 ? tail : tail.substring(0, variant) + " " + tail.substring(variant + 1));
        }
        return "streaming";
    }

    static String prefix(Logits.Precision precision) {
        return "span_masked_loss_" + precision.label() + "_";
    }

    static int groupElements(Logits.Precision precision) {
        return 16 / precision.bytes();
    }

    /** The slice a block of a {@code cluster}-block row covers. */
    static int sliceElements(Logits.Precision precision, int vocab, int cluster) {
        int group = groupElements(precision);
        int perBlock = (vocab + cluster - 1) / cluster;
        return (perBlock + group - 1) / group * group;
    }

    public static KernelPlan streaming(Problem p) {
        return new KernelPlan(prefix(p.precision()) + "streaming", 1, 0, p.rows());
    }

    /** The split-streaming kernels kept (float32, sm_90 PTX only), as their override names. */
    static final List<String> SPLIT_KERNELS = List.of("s4o3", "s8o3", "s8o4");

    /**
     * The split-streaming plan: {@code cluster} blocks per row (a thread-block cluster), each
     * streaming its slice of the row twice with no shared-memory copy, so the second read of a
     * slice hits L2. {@code variant} is the occupancy tuning, "o3" or "o4" (blocks per SM).
     */
    public static KernelPlan split(Problem p, int cluster, String variant) {
        if (!p.clusters()) {
            throw new IllegalArgumentException("this device has no thread-block clusters");
        }
        if (p.precision() != Logits.Precision.FLOAT32 || !SPLIT_KERNELS.contains("s" + cluster + variant)) {
            throw new IllegalArgumentException("no split kernel s" + cluster + variant + " for "
                    + p.precision().label() + " (kept: " + String.join(", ", SPLIT_KERNELS) + ", float32)");
        }
        int slice = sliceElements(p.precision(), p.vocab(), cluster);
        return new KernelPlan(prefix(p.precision()) + "split_c" + cluster + "_" + variant, cluster, slice,
                Math.multiplyExact(p.rows(), cluster));
    }

    /** The default: the streaming kernel (the faster on the GPUs measured; see the class comment). */
    public static KernelPlan choose(Problem p) {
        return streaming(p);
    }

    /** Parses a kernel override: auto, streaming, or the split-streaming s4o3, s8o3, s8o4. */
    public static KernelPlan parse(String text, Problem p) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("auto")) {
            return choose(p);
        }
        if (t.equals("streaming")) {
            return streaming(p);
        }
        if (t.startsWith("s") && t.length() > 1 && Character.isDigit(t.charAt(1))) {
            int end = 1;
            while (end < t.length() && Character.isDigit(t.charAt(end))) {
                end++;
            }
            return split(p, Integer.parseInt(t.substring(1, end)), t.substring(end));
        }
        throw new IllegalArgumentException("unknown kernel '" + text + "' (expected auto, streaming, s4o3, s8o3 or s8o4)");
    }
}
