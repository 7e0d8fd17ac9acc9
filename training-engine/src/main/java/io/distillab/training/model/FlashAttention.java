package io.distillab.training.model;

import io.distillab.training.cuda.DeviceBuffer;
import io.distillab.training.cuda.Kernels;

/**
 * Fused causal attention with document masks on the GPU (src/main/cuda/flash_attention.cu): the
 * forward writes y and the log-sum-exp of each row, the backward recomputes the probabilities from
 * them, so no [B, NH, T, T] matrix is ever stored.
 *
 * <p>Naming key: B batch rows, T positions, NH heads, HS head size (a multiple of 8, at most 128).
 * q, k, v and dy are [B, NH, T, HS] in the product type of {@code precision} (float32, or bfloat16
 * for {@link Precision#BF16}); y, lse, dq, dk, dv and the delta scratch are float32. seqStart is
 * int [B * T]: key t' is visible to query t iff 0 <= seqStart[b*T+t] <= t' <= t; rows that see no
 * key (seqStart -1 marks padding) get y = 0, lse = 0 and zero gradients. The module must have been
 * loaded with {@code Kernels.load(gpu, FlashAttention.MODULE)}.
 */
public final class FlashAttention {
    public static final String MODULE = "flash_attention";
    /** Queries of a query tile and keys of a key tile; one block per tile. */
    static final int TILE = 64;
    static final int THREADS = 256;
    static final int TENSOR_CORE_THREADS = 128;
    static final int MAX_HEAD_SIZE = 128;
    /**
     * Whether bf16 attention at HS 64 or 128 on sm_90 and newer uses the tensor-core kernels
     * (mma.sync); false falls back to the CUDA-core kernels everywhere.
     */
    static final boolean USE_TENSOR_CORES = true;
    /** Rows of the backward's delta kernel per block: one warp per row. */
    private static final int DELTA_ROWS_PER_BLOCK = THREADS / 32;
    /** Row stride (floats) of a 64 x 64 probability tile in shared memory. */
    private static final int SCORE_STRIDE = TILE + 4;
    /** Static shared memory of the kernels (row statistics, tile ranges): 1,552 bytes at most, per ptxas. */
    private static final int STATIC_SHARED_BYTES = 2048;

    /** The two kernel families of flash_attention.cu. */
    enum Variant {
        /** float32 FMA on CUDA cores: every precision and head size (a multiple of 8 up to 128). */
        CUDA_CORES,
        /** bf16 mma.sync with float32 accumulation: bf16, HS 64 or 128, compute capability 9.0 and newer. */
        TENSOR_CORES;

        static Variant choose(Kernels k, Precision precision, int HS) {
            return USE_TENSOR_CORES && tensorCoresFit(k.gpu().computeCapability(), precision, HS)
                    ? TENSOR_CORES : CUDA_CORES;
        }
    }

    private FlashAttention() {
    }

    /** y = softmax(scale * q k^T, masked) v and lse per row, scale = 1/sqrt(HS). */
    public static void forward(Kernels k, Precision precision, DeviceBuffer q, DeviceBuffer kk, DeviceBuffer v,
            DeviceBuffer seqStart, DeviceBuffer y, DeviceBuffer lse, int B, int NH, int T, int HS) {
        forward(Variant.choose(k, precision, HS), k, precision, q, kk, v, seqStart, y, lse, B, NH, T, HS);
    }

    static void forward(Variant variant, Kernels k, Precision precision, DeviceBuffer q, DeviceBuffer kk,
            DeviceBuffer v, DeviceBuffer seqStart, DeviceBuffer y, DeviceBuffer lse, int B, int NH, int T, int HS) {
        checkShape(B, NH, T, HS);
        checkVariant(variant, k, precision, HS);
        boolean tc = variant == Variant.TENSOR_CORES;
        int shared = checkShared(k, "forward", tc ? tensorCoreSharedBytes(3, HS) : forwardSharedBytes(HS));
        k.launchWithSharedMemory("flash_attention_forward" + precision.suffix() + (tc ? "_tc" : ""),
                tileBlocks(B, NH, T), tc ? TENSOR_CORE_THREADS : THREADS, shared,
                q, kk, v, seqStart, y, lse, B, NH, T, HS, scale(HS));
    }

    /**
     * dq, dk and dv (overwritten) from dy, with y and lse from {@link #forward}. Three launches in
     * order: delta = rowsum(dy * y) into deltaScratch (float32 [B*NH*T]), then dk and dv per key
     * tile, then dq per query tile; every element is summed by one thread in a fixed order, so the
     * result is the same bits run to run.
     */
    public static void backward(Kernels k, Precision precision, DeviceBuffer q, DeviceBuffer kk, DeviceBuffer v,
            DeviceBuffer y, DeviceBuffer dy, DeviceBuffer lse, DeviceBuffer seqStart, DeviceBuffer dq, DeviceBuffer dk,
            DeviceBuffer dv, DeviceBuffer deltaScratch, int B, int NH, int T, int HS) {
        backward(Variant.choose(k, precision, HS), k, precision, q, kk, v, y, dy, lse, seqStart, dq, dk, dv,
                deltaScratch, B, NH, T, HS);
    }

    static void backward(Variant variant, Kernels k, Precision precision, DeviceBuffer q, DeviceBuffer kk,
            DeviceBuffer v, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer lse, DeviceBuffer seqStart, DeviceBuffer dq,
            DeviceBuffer dk, DeviceBuffer dv, DeviceBuffer deltaScratch, int B, int NH, int T, int HS) {
        checkShape(B, NH, T, HS);
        checkVariant(variant, k, precision, HS);
        boolean tc = variant == Variant.TENSOR_CORES;
        int dkdvShared = checkShared(k, "backward dk/dv", tc ? tensorCoreSharedBytes(4, HS) : dkdvSharedBytes(HS));
        int dqShared = checkShared(k, "backward dq", tc ? tensorCoreSharedBytes(4, HS) : dqSharedBytes(HS));
        int rows = Math.multiplyExact(Math.multiplyExact(B, NH), T);
        String p = precision.suffix();
        String tail = tc ? "_tc" : "";
        int threads = tc ? TENSOR_CORE_THREADS : THREADS;
        float scale = scale(HS);
        k.launch("flash_attention_backward_delta" + p, Kernels.blocksFor(rows, DELTA_ROWS_PER_BLOCK), THREADS,
                dy, y, deltaScratch, rows, HS);
        k.launchWithSharedMemory("flash_attention_backward_dkdv" + p + tail, tileBlocks(B, NH, T), threads,
                dkdvShared, q, kk, v, dy, lse, deltaScratch, seqStart, dk, dv, B, NH, T, HS, scale);
        k.launchWithSharedMemory("flash_attention_backward_dq" + p + tail, tileBlocks(B, NH, T), threads,
                dqShared, q, kk, v, dy, lse, deltaScratch, seqStart, dq, B, NH, T, HS, scale);
    }

    /**
     * Whether the tensor-core kernels exist for this device, precision and head size. They need
     * sm_80, but only the sm_90 PTX has them: the portable PTX that sm_80..89 load targets compute_75.
     */
    static boolean tensorCoresFit(int computeCapability, Precision precision, int HS) {
        return precision.bf16() && computeCapability >= 90 && (HS == 64 || HS == 128);
    }

    private static void checkVariant(Variant variant, Kernels k, Precision precision, int HS) {
        if (variant == Variant.TENSOR_CORES && !tensorCoresFit(k.gpu().computeCapability(), precision, HS)) {
            throw new IllegalArgumentException("the tensor-core flash attention needs bf16, HS 64 or 128 and sm_90 or"
                    + " newer; got " + precision.key() + ", HS " + HS + " on " + k.gpu().describe());
        }
    }

    public static float scale(int HS) {
        return (float) (1.0 / Math.sqrt(HS));
    }

    /** Dynamic shared memory of the forward: q, k and v tiles (row stride HS + 4) and a probability tile. */
    static int forwardSharedBytes(int HS) {
        return Float.BYTES * (3 * TILE * (HS + 4) + TILE * SCORE_STRIDE);
    }

    /** Of the dk/dv kernel: k, v, q and dy tiles, and P and dS transposed. */
    static int dkdvSharedBytes(int HS) {
        return Float.BYTES * (4 * TILE * (HS + 4) + 2 * TILE * SCORE_STRIDE);
    }

    /** Of the dq kernel: q, dy, k and v tiles and a dS tile. */
    static int dqSharedBytes(int HS) {
        return Float.BYTES * (4 * TILE * (HS + 4) + TILE * SCORE_STRIDE);
    }

    /** Of a tensor-core kernel: {@code tiles} bf16 tiles of 64 rows, row stride HS + 8. */
    static int tensorCoreSharedBytes(int tiles, int HS) {
        return 2 * tiles * TILE * (HS + 8);
    }

    /** One block per (tile of 64 positions, batch row, head). */
    static int tileBlocks(int B, int NH, int T) {
        long blocks = (long) ((T + TILE - 1) / TILE) * B * NH;
        if (blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("attention over B=" + B + " NH=" + NH + " T=" + T + " needs " + blocks
                    + " blocks, more than a grid holds");
        }
        return (int) blocks;
    }

    static void checkShape(int B, int NH, int T, int HS) {
        if (B < 1 || NH < 1 || T < 1) {
            throw new IllegalArgumentException("attention needs B, NH, T >= 1, got B=" + B + " NH=" + NH + " T=" + T);
        }
        if (HS < 8 || HS > MAX_HEAD_SIZE || HS % 8 != 0) {
            throw new IllegalArgumentException("flash attention needs a head size that is a multiple of 8 up to "
                    + MAX_HEAD_SIZE + ", got " + HS);
        }
    }

    private static int checkShared(Kernels k, String kernel, int bytes) {
        int limit = k.gpu().maxSharedPerBlock();
        if (bytes + STATIC_SHARED_BYTES > limit) {
            throw new IllegalArgumentException("flash attention " + kernel + " needs " + bytes
                    + " bytes of shared memory per block; " + k.gpu().describe() + " allows " + limit);
        }
        return bytes;
    }
}
