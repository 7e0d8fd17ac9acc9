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
    /** Queries of a query tile and keys of a key tile; one block of {@link #THREADS} threads per tile. */
    static final int TILE = 64;
    static final int THREADS = 256;
    static final int MAX_HEAD_SIZE = 128;
    /** Rows of the backward's delta kernel per block: one warp per row. */
    private static final int DELTA_ROWS_PER_BLOCK = THREADS / 32;
    /** Row stride (floats) of a 64 x 64 probability tile in shared memory. */
    private static final int SCORE_STRIDE = TILE + 4;
    /** Static shared memory of the kernels (row statistics, tile ranges): 1,552 bytes at most, per ptxas. */
    private static final int STATIC_SHARED_BYTES = 2048;

    private FlashAttention() {
    }

    /** y = softmax(scale * q k^T, masked) v and lse per row, scale = 1/sqrt(HS). */
    public static void forward(Kernels k, Precision precision, DeviceBuffer q, DeviceBuffer kk, DeviceBuffer v,
            DeviceBuffer seqStart, DeviceBuffer y, DeviceBuffer lse, int B, int NH, int T, int HS) {
        checkShape(B, NH, T, HS);
        int shared = checkShared(k, "forward", forwardSharedBytes(HS));
        k.launchWithSharedMemory("flash_attention_forward" + precision.suffix(), tileBlocks(B, NH, T), THREADS, shared,
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
        checkShape(B, NH, T, HS);
        int dkdvShared = checkShared(k, "backward dk/dv", dkdvSharedBytes(HS));
        int dqShared = checkShared(k, "backward dq", dqSharedBytes(HS));
        int rows = Math.multiplyExact(Math.multiplyExact(B, NH), T);
        String p = precision.suffix();
        float scale = scale(HS);
        k.launch("flash_attention_backward_delta" + p, Kernels.blocksFor(rows, DELTA_ROWS_PER_BLOCK), THREADS,
                dy, y, deltaScratch, rows, HS);
        k.launchWithSharedMemory("flash_attention_backward_dkdv" + p, tileBlocks(B, NH, T), THREADS, dkdvShared,
                q, kk, v, dy, lse, deltaScratch, seqStart, dk, dv, B, NH, T, HS, scale);
        k.launchWithSharedMemory("flash_attention_backward_dq" + p, tileBlocks(B, NH, T), THREADS, dqShared,
                q, kk, v, dy, lse, deltaScratch, seqStart, dq, B, NH, T, HS, scale);
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
