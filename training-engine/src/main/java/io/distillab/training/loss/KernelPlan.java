package io.distillab.training.loss;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which kernel of span_masked_loss.cu runs a problem, and with what launch shape. Pure
 * arithmetic, so it is tested without a GPU.
 *
 * <p>Two families. The streaming kernel gives each row one block and reads the row twice (the
 * second sweep mostly from HBM again): 20 bytes per float32 element against the 12-byte floor.
 * The cached kernels keep each row's slice in shared memory (as float32) and read global memory
 * once; {@code cluster} blocks share a row through a thread-block cluster (sm_90+).
 *
 * <p>A third family, split streaming ({@link #split}; override "sN" with N in 8, 16, and the
 * float32 occupancy variants "s4o3", "s8o3", "s8o4", "s16o3", "s16o4"), gives each row a cluster of
 * blocks that stream their slices twice with no shared-memory copy, so the second read hits L2.
 * On the H200 it was slower than streaming except s8o4/s4o3/s8o3 at f32 V = 151936 (+1 to +4%,
 * one shape measured; runs 5 and 6 in training-engine/gpu/results), so it is chosen only on
 * request.
 *
 * <p>{@link #choose} picks the streaming kernel: on an H200 it was the faster of the two for
 * every shape measured (V = 32000 to 151936, float32 and bfloat16, dense and top-k teachers, kd
 * and sad; training-engine/gpu/results), because a cached block's fixed costs (load latency,
 * three block reductions, two cluster barriers) are not hidden with only two or three blocks
 * per multiprocessor. {@link #chooseCached} is the cached plan, selected with the kernel
 * override "cached" or "cN": the smallest cluster whose slice fits the shared memory that lets
 * two blocks share a multiprocessor, else the smallest that fits at all, doubled while there are
 * fewer than two blocks per multiprocessor.
 *
 * @param kernel        the entry point's name
 * @param cluster       blocks per row (1 for the streaming kernel)
 * @param sliceElements row elements per block (cached kernels), a multiple of the 16-byte group
 * @param sharedBytes   dynamic shared memory per block
 * @param blocks        grid size
 */
public record KernelPlan(String kernel, int cluster, int sliceElements, int sharedBytes, int blocks) {
    public static final int THREADS = 512;
    /** Cluster sizes compiled into the PTX (16 is a non-portable size that sm_90 allows). */
    public static final int[] CLUSTERS = {1, 2, 4, 8, 16};
    /** Bytes per block the runtime reserves, and a margin for the kernels' static shared memory. */
    static final int RESERVED_PER_BLOCK = 1024 + 1024;

    /** What the planner needs to know about the device and the problem. */
    /**
     * @param sharedTensors float32 values per element a cached block keeps: the student's, the
     *                      dense teacher's, and a third for s when T is neither 1 nor 2
     */
    public record Problem(Logits.Precision precision, int rows, int vocab, int sharedTensors,
                          int multiprocessors, int maxSharedPerBlock, int maxSharedPerMultiprocessor,
                          boolean clusters) {
    }

    public boolean streaming() {
        return sliceElements == 0;
    }

    /** Whether this is a split-streaming plan (cluster blocks per row, no shared-memory copy). */
    public boolean split() {
        return kernel.contains("_split_");
    }

    /** A short label for tables: {@code cached c16}, {@code split c16}, {@code split c16 b1} or {@code streaming}. */
    public String label() {
        if (split()) {
            String tail = kernel.substring(kernel.indexOf("_split_c") + "_split_c".length());
            int variant = tail.indexOf('_');
            return "split c" + (variant < 0 ? tail : tail.substring(0, variant) + " " + tail.substring(variant + 1));
        }
        return streaming() ? "streaming" : "cached c" + cluster;
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

    /** Shared memory for one block's slice, as float32: +1 group because a slice may start mid-group. */
    static long sharedBytes(Logits.Precision precision, int sliceElements, int tensors) {
        long elements = (long) (sliceElements / groupElements(precision) + 1) * groupElements(precision);
        return elements * 4 * tensors;
    }

    public static KernelPlan streaming(Problem p) {
        return new KernelPlan(prefix(p.precision()) + "streaming", 1, 0, 0, p.rows());
    }

    public static KernelPlan cached(Problem p, int cluster) {
        int slice = sliceElements(p.precision(), p.vocab(), cluster);
        long bytes = sharedBytes(p.precision(), slice, p.sharedTensors());
        if (bytes > p.maxSharedPerBlock() - RESERVED_PER_BLOCK) {
            throw new IllegalArgumentException("cluster " + cluster + " needs " + bytes
                    + " bytes of shared memory per block; the device allows " + p.maxSharedPerBlock());
        }
        if (cluster > 1 && !p.clusters()) {
            throw new IllegalArgumentException("this device has no thread-block clusters");
        }
        return new KernelPlan(prefix(p.precision()) + "cached_c" + cluster, cluster, slice, (int) bytes,
                Math.multiplyExact(p.rows(), cluster));
    }

    /** Cluster sizes of the split-streaming kernels (sm_90 PTX only). */
    public static final int[] SPLIT_CLUSTERS = {4, 8, 16};
    /**
     * Float32 tuning variants: o3 (three blocks per SM, clusters 4, 8, 16), o4 (four, clusters 8
     * and 16); for cluster 16 also b1
     * (one group per tensor in flight) and h (L2 eviction hints). s4 exists only as s4o3.
     */
    static final List<String> SPLIT_VARIANTS = List.of("", "b1", "o3", "o4", "h");

    /**
     * The split-streaming plan: {@code cluster} blocks per row (a thread-block cluster), each
     * streaming its slice of the row twice with no shared-memory copy, so the second read of a
     * slice hits L2. {@code variant} is "" or one of {@link #SPLIT_VARIANTS} (float32).
     */
    public static KernelPlan split(Problem p, int cluster, String variant) {
        if (!p.clusters()) {
            throw new IllegalArgumentException("this device has no thread-block clusters");
        }
        boolean known = false;
        for (int c : SPLIT_CLUSTERS) {
            known |= c == cluster;
        }
        boolean f32 = p.precision() == Logits.Precision.FLOAT32;
        boolean exists = known && SPLIT_VARIANTS.contains(variant) && switch (variant) {
            case "" -> cluster != 4;
            case "o3" -> f32;
            case "o4" -> f32 && cluster != 4;
            default -> f32 && cluster == 16;
        };
        if (!exists) {
            throw new IllegalArgumentException("no split kernel s" + cluster + variant + " for " + p.precision().label());
        }
        int slice = sliceElements(p.precision(), p.vocab(), cluster);
        return new KernelPlan(prefix(p.precision()) + "split_c" + cluster + (variant.isEmpty() ? "" : "_" + variant),
                cluster, slice, 0, Math.multiplyExact(p.rows(), cluster));
    }

    /** The default: the streaming kernel (the faster on the GPUs measured; see the class comment). */
    public static KernelPlan choose(Problem p) {
        return streaming(p);
    }

    /** The cached plan (see the class comment); the streaming kernel when no cached slice fits. */
    public static KernelPlan chooseCached(Problem p) {
        List<Integer> fitting = new ArrayList<>();
        for (int c : CLUSTERS) {
            if ((c == 1 || p.clusters()) && sharedBytes(p.precision(), sliceElements(p.precision(), p.vocab(), c),
                    p.sharedTensors()) <= p.maxSharedPerBlock() - RESERVED_PER_BLOCK) {
                fitting.add(c);
            }
        }
        if (fitting.isEmpty()) {
            return streaming(p);
        }
        long twoPerSm = p.maxSharedPerMultiprocessor() / 2 - RESERVED_PER_BLOCK;
        int choice = fitting.get(0);
        for (int c : fitting) {
            if (sharedBytes(p.precision(), sliceElements(p.precision(), p.vocab(), c), p.sharedTensors())
                    <= twoPerSm) {
                choice = c;
                break;
            }
        }
        int index = fitting.indexOf(choice);
        while ((long) p.rows() * choice < 2L * p.multiprocessors() && index + 1 < fitting.size()) {
            choice = fitting.get(++index);
        }
        return cached(p, choice);
    }

    /**
     * Parses a kernel override: auto, streaming, cached (the cached plan), c1, c2, c4, c8, c16, or
     * the split-streaming s8, s16 (and the float32 tuning variants s16b1, s16o3, s16h).
     */
    public static KernelPlan parse(String text, Problem p) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("auto")) {
            return choose(p);
        }
        if (t.equals("streaming")) {
            return streaming(p);
        }
        if (t.equals("cached")) {
            return chooseCached(p);
        }
        if (t.startsWith("s") && t.length() > 1 && Character.isDigit(t.charAt(1))) {
            int end = 1;
            while (end < t.length() && Character.isDigit(t.charAt(end))) {
                end++;
            }
            return split(p, Integer.parseInt(t.substring(1, end)), t.substring(end));
        }
        if (t.startsWith("c")) {
            try {
                int cluster = Integer.parseInt(t.substring(1));
                for (int c : CLUSTERS) {
                    if (c == cluster) {
                        return cached(p, cluster);
                    }
                }
            } catch (NumberFormatException e) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException("unknown kernel '" + text + "' (expected auto, streaming, cached, c1, c2, c4, c8, c16, s8 or s16)");
    }
}
