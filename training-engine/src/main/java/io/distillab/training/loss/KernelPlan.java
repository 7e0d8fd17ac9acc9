package io.distillab.training.loss;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which kernel of span_masked_loss.cu runs a problem, and with what launch shape. Pure
 * arithmetic, so it is tested without a GPU.
 *
 * <p>The cached kernels keep each row's slice in shared memory and read global memory once;
 * {@code cluster} blocks share a row (a thread-block cluster, sm_90+). The planner takes the
 * smallest cluster whose slice fits the shared memory that lets two blocks share a
 * multiprocessor (so one block's loads overlap another's arithmetic), else the smallest that
 * fits at all, and doubles it while there are fewer than two blocks per multiprocessor. Rows
 * that fit nowhere go to the streaming kernel, which reads each row twice.
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
    public record Problem(Logits.Precision precision, int rows, int vocab, boolean teacherInSharedMemory,
                          int multiprocessors, int maxSharedPerBlock, int maxSharedPerMultiprocessor,
                          boolean clusters) {
    }

    public boolean streaming() {
        return sliceElements == 0;
    }

    /** A short label for tables: {@code cached c16} or {@code streaming}. */
    public String label() {
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

    /** Shared memory for one block's slice: +1 group because a slice may start mid-group. */
    static long sharedBytes(Logits.Precision precision, int sliceElements, boolean teacher) {
        long groups = sliceElements / groupElements(precision) + 1;
        return groups * 16 * (teacher ? 2 : 1);
    }

    public static KernelPlan streaming(Problem p) {
        return new KernelPlan(prefix(p.precision()) + "streaming", 1, 0, 0, p.rows());
    }

    public static KernelPlan cached(Problem p, int cluster) {
        int slice = sliceElements(p.precision(), p.vocab(), cluster);
        long bytes = sharedBytes(p.precision(), slice, p.teacherInSharedMemory());
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

    /** The default choice (see the class comment). */
    public static KernelPlan choose(Problem p) {
        List<Integer> fitting = new ArrayList<>();
        for (int c : CLUSTERS) {
            if ((c == 1 || p.clusters()) && sharedBytes(p.precision(), sliceElements(p.precision(), p.vocab(), c),
                    p.teacherInSharedMemory()) <= p.maxSharedPerBlock() - RESERVED_PER_BLOCK) {
                fitting.add(c);
            }
        }
        if (fitting.isEmpty()) {
            return streaming(p);
        }
        long twoPerSm = p.maxSharedPerMultiprocessor() / 2 - RESERVED_PER_BLOCK;
        int choice = fitting.get(0);
        for (int c : fitting) {
            if (sharedBytes(p.precision(), sliceElements(p.precision(), p.vocab(), c), p.teacherInSharedMemory())
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

    /** Parses a kernel override: auto, streaming, or c1, c2, c4, c8, c16 (a cached kernel). */
    public static KernelPlan parse(String text, Problem p) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("auto")) {
            return choose(p);
        }
        if (t.equals("streaming")) {
            return streaming(p);
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
        throw new IllegalArgumentException("unknown kernel '" + text + "' (expected auto, streaming, c1, c2, c4, c8 or c16)");
    }
}
