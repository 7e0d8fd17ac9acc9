package io.distillab.training.train;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD32;

import io.distillab.training.cuda.CudaDevice;
import io.distillab.training.cuda.Cublas;
import io.distillab.training.cuda.CudaUnavailableException;
import io.distillab.training.cuda.DeviceBuffer;
import io.distillab.training.cuda.Kernels;
import io.distillab.training.loss.CudaSpanMaskedLoss;
import io.distillab.training.loss.KernelPlan;
import io.distillab.training.loss.LossConfig;
import io.distillab.training.loss.SpanCounts;
import io.distillab.training.loss.Teacher;
import io.distillab.training.model.CudaTransformerLm;
import io.distillab.training.model.FlashAttention;
import io.distillab.training.model.Precision;
import io.distillab.training.model.TransformerLm;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;

/**
 * The GPU side of a training step (SPEC 8), what Trainer's CPU step does with the same inputs:
 * per micro-batch the student's forward, the teacher's (a GPU model too, or the sparse top-k
 * teacher's rows), the span-masked loss over the loss positions in chunks of {@link #chunkRows}
 * rows, and the backward; then the global-norm clip and AdamW over every tensor on the device.
 *
 * <p>The chunked fused loss: for a chunk of loss positions, the final norm's rows are gathered,
 * multiplied by the output embedding into a [chunk, vocab] logits tile (the teacher's tile
 * likewise), span_masked_loss.cu turns the tile into the row parts and the gradient in place of a
 * second tile, and two products take the gradient back to the hidden states and into the output
 * embedding's gradient. Peak memory holds one chunk of logits (and the teacher's), never N x V.
 */
final class CudaTraining implements AutoCloseable {
    /** Loss positions per chunk: 4096 x 151936 bfloat16 logits are 1.2 GB per tile. */
    static final int DEFAULT_CHUNK_ROWS = 4096;
    private static final int NORM_CHUNK = GradientClipping.CHUNK;

    private final CudaDevice gpu;
    private final Cublas blas;
    private final Kernels layers;
    private final Kernels loss;
    private final Kernels flash;
    private final CudaTransformerLm.Attention attention;
    private final Precision precision;
    private final CudaTransformerLm student;
    private final CudaTransformerLm teacher;   // null: no teacher or the sparse top-k teacher
    private final int vocab;
    /**
     * Row stride of the logits and gradient tiles: vocab rounded up to 16 elements (cuBLAS's
     * tensor-core products need 16-byte-aligned leading dimensions), and under BF16 to 64, the
     * width {@link #vp} the logits product runs over.
     */
    private final int ld;
    /**
     * Columns of the logits product and depth of the hidden-state gradient's product: under BF16
     * vocab rounded up to 64 (the output embedding's bfloat16 copy has those rows, zero past V),
     * so cuBLAS runs whole tiles; columns past vocab are ignored by the loss and their gradient
     * stays zero (the tile is zeroed once, the loss kernel writes only [0, vocab)). GPT-2's odd
     * 50257 made the loss phase 28 ms of an 89 ms step (device run of 2026-11-30).
     */
    private final int vp;
    private final int chunkRows;
    private final List<CudaTransformerLm.Weight> trainable = new ArrayList<>();
    private final List<DeviceBuffer> m = new ArrayList<>();
    private final List<DeviceBuffer> v = new ArrayList<>();
    private final List<DeviceBuffer> buffers = new ArrayList<>();
    /** GradientClipping's chunks over all trainable tensors, numbered tensor after tensor. */
    private final int normChunks;
    private final DeviceBuffer normPartials;
    /** transformer.cu's TensorSlot table: the optimizer's kernels cover every tensor in one launch each. */
    private final DeviceBuffer slots;
    private static final int SLOT_BYTES = 64;
    private final int maxTopK;
    private DeviceBuffer hChunk, tChunk, logits, tLogits, grad, dH, dNormF, rowsDev, labelsDev, spansDev,
            coefDev, rowKlDev, rowCeDev, topkIndexDev, topkLogProbDev;
    private int dNormFRows = -1;
    private double[] phases;                   // when timed: forward, loss, backward milliseconds

    /**
     * The attention kernels unless -Ddistillab.attention=flash|materialized says otherwise: flash
     * under BF16 (its tensor-core kernels; no [B, NH, T, T] tensor), materialized under FP32 and
     * TF32, where the flash kernels run on CUDA cores and were slower than the products (device
     * run of 2026-11-30, docs/performance.md).
     */
    static CudaTransformerLm.Attention defaultAttention(Precision precision) {
        String v = System.getProperty("distillab.attention", "");
        if (v.equalsIgnoreCase("materialized")) {
            return CudaTransformerLm.Attention.MATERIALIZED;
        } else if (v.equalsIgnoreCase("flash")) {
            return CudaTransformerLm.Attention.FLASH;
        }
        return precision.bf16() ? CudaTransformerLm.Attention.FLASH : CudaTransformerLm.Attention.MATERIALIZED;
    }

    /** FLASH where flash_attention.cu has kernels for the head size (a multiple of 8, at most 128). */
    static CudaTransformerLm.Attention attentionFor(CudaTransformerLm.Attention wanted, int headSize) {
        return wanted == CudaTransformerLm.Attention.FLASH && headSize % 8 == 0 && headSize <= 128
                ? CudaTransformerLm.Attention.FLASH : CudaTransformerLm.Attention.MATERIALIZED;
    }

    CudaTraining(TransformerLm studentHost, TransformerLm teacherHost, int vocab, Precision precision, int chunkRows,
                 int maxTopK) throws CudaUnavailableException {
        this(studentHost, teacherHost, vocab, precision, chunkRows, maxTopK, defaultAttention(precision));
    }

    CudaTraining(TransformerLm studentHost, TransformerLm teacherHost, int vocab, Precision precision, int chunkRows,
                 int maxTopK, CudaTransformerLm.Attention attention) throws CudaUnavailableException {
        this.gpu = CudaDevice.open(0);
        this.precision = precision;
        this.vocab = vocab;
        this.vp = precision.bf16() ? CudaTransformerLm.paddedHeadRows(vocab) : vocab;
        this.ld = precision.bf16() ? vp : (vocab + 15) / 16 * 16;
        this.chunkRows = chunkRows;
        this.maxTopK = maxTopK;
        Cublas b = null;
        Kernels lk = null, tk = null, fk = null;
        CudaTransformerLm s = null, t = null;
        try {
            b = Cublas.open(gpu);
            tk = Kernels.load(gpu, "transformer");
            lk = Kernels.load(gpu, "span_masked_loss");
            fk = Kernels.load(gpu, FlashAttention.MODULE);
            s = new CudaTransformerLm(studentHost, precision, b, tk, fk,
                    attentionFor(attention, studentHost.config().headDim()));
            t = teacherHost == null ? null : new CudaTransformerLm(teacherHost, precision, b, tk, fk,
                    attentionFor(attention, teacherHost.config().headDim()));
        } catch (CudaUnavailableException | RuntimeException e) {
            if (s != null) s.close();
            if (t != null) t.close();
            if (lk != null) lk.close();
            if (fk != null) fk.close();
            if (tk != null) tk.close();
            if (b != null) b.close();
            gpu.close();
            throw e;
        }
        this.blas = b;
        this.layers = tk;
        this.loss = lk;
        this.flash = fk;
        this.attention = attentionFor(attention, studentHost.config().headDim());
        this.student = s;
        this.teacher = t;
        for (CudaTransformerLm.Weight w : student.weights()) {
            if (w.grad() != null) {
                trainable.add(w);
                m.add(zeroed(4L * w.size()));
                v.add(zeroed(4L * w.size()));
            }
        }
        this.slots = keep(DeviceBuffer.allocate((long) SLOT_BYTES * Math.max(1, trainable.size())));
        long chunks = 0;
        for (int i = 0; i < trainable.size(); i++) {
            CudaTransformerLm.Weight w = trainable.get(i);
            layers.launch("tensor_slot", 1, 32, slots, i, w.master(), w.grad(), m.get(i), v.get(i), w.bf16Copy(),
                    w.size(), chunks, w.host().decays() ? 1 : 0);
            chunks += (w.size() + NORM_CHUNK - 1) / NORM_CHUNK;
        }
        if (chunks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(chunks + " gradient chunks need more than 2^31 blocks");
        }
        this.normChunks = (int) chunks;
        this.normPartials = keep(DeviceBuffer.allocate(8L * Math.max(1, chunks)));
        allocateLossBuffers();
    }

    private DeviceBuffer keep(DeviceBuffer b) {
        buffers.add(b);
        return b;
    }

    private DeviceBuffer zeroed(long bytes) {
        DeviceBuffer b = keep(DeviceBuffer.allocate(bytes));
        cuMemsetD32(b.pointer(), 0, bytes / 4);
        return b;
    }

    private void allocateLossBuffers() {
        long pb = precision.operandBytes();
        int C = student.config().hiddenSize();
        hChunk = keep(DeviceBuffer.allocate(pb * chunkRows * C));
        logits = keep(DeviceBuffer.allocate(pb * chunkRows * (long) ld));
        grad = keep(DeviceBuffer.allocate(pb * chunkRows * (long) ld));
        cuMemsetD32(grad.pointer(), 0, pb * chunkRows * (long) ld / 4);
        if (teacher != null) {
            tChunk = keep(DeviceBuffer.allocate(pb * chunkRows * teacher.config().hiddenSize()));
            tLogits = keep(DeviceBuffer.allocate(pb * chunkRows * (long) ld));
        }
        dH = keep(DeviceBuffer.allocate(4L * chunkRows * C));
        rowsDev = keep(DeviceBuffer.allocate(4L * chunkRows));
        labelsDev = keep(DeviceBuffer.allocate(4L * chunkRows));
        spansDev = keep(DeviceBuffer.allocate(4L * chunkRows));
        coefDev = keep(DeviceBuffer.allocate(4L * 8));
        rowKlDev = keep(DeviceBuffer.allocate(4L * chunkRows));
        rowCeDev = keep(DeviceBuffer.allocate(4L * chunkRows));
        if (maxTopK > 0) {
            topkIndexDev = keep(DeviceBuffer.allocate(4L * chunkRows * maxTopK));
            topkLogProbDev = keep(DeviceBuffer.allocate(4L * chunkRows * maxTopK));
        }
    }

    String describe() {
        return gpu.describe() + ", " + attention.name().toLowerCase(java.util.Locale.ROOT) + " attention";
    }

    CudaTransformerLm student() {
        return student;
    }

    /** Times every later launch (kernels and products, student and teacher) in {@code profile}; null stops. */
    void profile(io.distillab.training.cuda.LaunchProfile profile) {
        blas.profile(profile);
        layers.profile(profile);
        loss.profile(profile);
        if (flash != null) {
            flash.profile(profile);
        }
    }

    /** Times the next parts' phases (forward, loss chunks, backward; synchronising between them). */
    void timePhases(double[] millis) {
        this.phases = millis;
    }

    private long mark(int phase, long since) {
        if (phases == null) {
            return since;
        }
        cuCtxSynchronize();
        long now = System.nanoTime();
        if (phase >= 0) {
            phases[phase] += (now - since) / 1e6;
        }
        return now;
    }

    void zeroGrad() {
        gpu.makeCurrent();
        student.zeroGrad();
    }

    /**
     * One micro-batch: forward, loss over its loss positions in chunks, backward (adds to the
     * gradients). Returns each loss position's KL and CE (as the CPU loss's rowKl/rowCe).
     *
     * @param sparse the top-k teacher's rows for this part's loss positions, or null
     */
    double[][] part(BatchLabels part, int micro, int T, Teacher.Sparse sparse, LossConfig config, SpanCounts counts) {
        return part(part, micro, T, sparse, config, counts, true);
    }

    /**
     * {@link #part} with {@code backward} false: forward and loss only, the gradients untouched
     * (the held-out evaluation). The loss kernel still writes its gradient tile, which nothing reads.
     */
    double[][] part(BatchLabels part, int micro, int T, Teacher.Sparse sparse, LossConfig config, SpanCounts counts,
                    boolean backward) {
        gpu.makeCurrent();
        int[] at = part.lossPositions();
        int n = at.length;
        int N = micro * T;
        int C = student.config().hiddenSize();
        long t0 = mark(-1, 0);
        student.forward(part.modelTokens(), part.positions(), micro, T, backward);
        if (teacher != null) {
            teacher.forward(part.modelTokens(), part.positions(), micro, T, false);
        }
        t0 = mark(0, t0);
        boolean hasTeacher = teacher != null || sparse != null;
        float[] coef = CudaSpanMaskedLoss.coefficients(config, counts, hasTeacher, true);
        cuMemcpyHtoD(coefDev.pointer(), Pointer.to(coef), 4L * coef.length);
        if (backward && dNormFRows != N) {
            if (dNormF != null) {
                buffers.remove(dNormF);
                dNormF.close();
            }
            dNormF = keep(DeviceBuffer.allocate(4L * N * C));
            dNormFRows = N;
        }
        if (backward) {
            cuMemsetD32(dNormF.pointer(), 0, (long) N * C);
        }
        int[] labels = part.labels();
        byte[] spans = part.spans();
        double[] rowKl = new double[n];
        double[] rowCe = new double[n];
        float[] kl = new float[chunkRows];
        float[] ce = new float[chunkRows];
        Cublas.DType P = precision.bf16() ? Cublas.DType.BF16 : Cublas.DType.F32;
        Cublas.Compute compute = precision == Precision.TF32 ? Cublas.Compute.TF32 : Cublas.Compute.FP32;
        String p = precision.suffix();
        CudaTransformerLm.Weight head = student.head();
        for (int c0 = 0; c0 < n; c0 += chunkRows) {
            int c = Math.min(chunkRows, n - c0);
            int[] rows = java.util.Arrays.copyOfRange(at, c0, c0 + c);
            int[] spanCodes = new int[c];
            for (int i = 0; i < c; i++) {
                spanCodes[i] = spans[c0 + i];
            }
            cuMemcpyHtoD(rowsDev.pointer(), Pointer.to(rows), 4L * c);
            cuMemcpyHtoD(labelsDev.pointer(), Pointer.to(labels).withByteOffset(4L * c0), 4L * c);
            cuMemcpyHtoD(spansDev.pointer(), Pointer.to(spanCodes), 4L * c);
            // student logits of the chunk: the gathered hidden rows times the output embedding's first vocab rows
            layers.launchElementwise("gather_rows" + p, (long) c * C, student.finalNorm(), rowsDev, hChunk, c, C);
            blas.gemm(false, true, c, vp, C, 1f, hChunk.pointer(), P, C, productPointer(head), P, C, 0f, logits.pointer(), P, ld, compute);
            DeviceBuffer teacherLogits = null;
            if (teacher != null) {
                int Ct = teacher.config().hiddenSize();
                layers.launchElementwise("gather_rows" + p, (long) c * Ct, teacher.finalNorm(), rowsDev, tChunk, c, Ct);
                blas.gemm(false, true, c, vp, Ct, 1f, tChunk.pointer(), P, Ct, productPointer(teacher.head()), P, Ct,
                        0f, tLogits.pointer(), P, ld, compute);
                teacherLogits = tLogits;
            }
            int k = 0;
            if (sparse != null) {
                k = sparse.k();
                cuMemcpyHtoD(topkIndexDev.pointer(), Pointer.to(sparse.index()).withByteOffset(4L * c0 * k), 4L * c * k);
                cuMemcpyHtoD(topkLogProbDev.pointer(), Pointer.to(sparse.logProb()).withByteOffset(4L * c0 * k),
                        4L * c * k);
            }
            loss.launch(CudaSpanMaskedLoss.streamingKernel(precision.bf16()), c, KernelPlan.THREADS, logits,
                    teacherLogits, sparse != null ? topkIndexDev : null, sparse != null ? topkLogProbDev : null, k,
                    labelsDev, spansDev, coefDev, grad, rowKlDev, rowCeDev, vocab, ld, (float) config.temperature());
            if (backward) {
                // dH = dLogits · W[:vocab]; dW[:vocab] += dLogitsᵀ · h
                blas.gemm(false, false, c, C, vp, 1f, grad.pointer(), P, ld, productPointer(head), P, C, 0f,
                        dH.pointer(), Cublas.DType.F32, C, compute);
                if (head.grad() != null) {
                    blas.gemm(true, false, vocab, C, c, 1f, grad.pointer(), P, ld, hChunk.pointer(), P, C, 1f,
                            head.grad().pointer(), Cublas.DType.F32, C, compute);
                }
                layers.launchElementwise("scatter_rows", (long) c * C, dH, rowsDev, dNormF, c, C);
            }
            cuMemcpyDtoH(Pointer.to(kl), rowKlDev.pointer(), 4L * c);
            cuMemcpyDtoH(Pointer.to(ce), rowCeDev.pointer(), 4L * c);
            for (int i = 0; i < c; i++) {
                rowKl[c0 + i] = kl[i];
                rowCe[c0 + i] = ce[i];
                if (!Float.isFinite(kl[i]) || !Float.isFinite(ce[i])) {
                    throw new IllegalStateException("position " + at[c0 + i] + ": the loss is not finite"
                            + " (training diverged)");
                }
            }
        }
        t0 = mark(1, t0);
        if (backward && n > 0) {
            student.backward(dNormF);
        }
        mark(2, t0);
        return new double[][] {rowKl, rowCe};
    }

    private static jcuda.driver.CUdeviceptr productPointer(CudaTransformerLm.Weight w) {
        return (w.bf16Copy() != null ? w.bf16Copy() : w.master()).pointer();
    }

    /** The global L2 norm of the gradients in double: GradientClipping's chunks, added in order. */
    double gradientNormSquared() {
        gpu.makeCurrent();
        double[] partial = new double[normChunks];
        if (normChunks == 0) {
            return 0;
        }
        layers.launch("sum_squares", normChunks, Kernels.BLOCK, slots, trainable.size(), NORM_CHUNK, normPartials);
        cuMemcpyDtoH(Pointer.to(partial), normPartials.pointer(), 8L * partial.length);
        double sum = 0;
        for (double x : partial) {
            sum += x;
        }
        return sum;
    }

    /**
     * AdamW.step on every trainable tensor of the device (AdamW's scalars, computed as there),
     * after multiplying the gradients by {@code clipScale} when {@code clipped}: one launch over the
     * slot table (a tensor that does not decay is multiplied by 1 there, as 1 - lr * 0 is here).
     */
    void adamw(long t, double lr, double weightDecay, boolean clipped, float clipScale) {
        gpu.makeCurrent();
        double bias1 = 1 - Math.pow(AdamW.BETA1, t);
        double bias2 = 1 - Math.pow(AdamW.BETA2, t);
        float stepSize = (float) -(lr / bias1);
        float bias2Sqrt = (float) Math.sqrt(bias2);
        if (normChunks > 0) {
            layers.launch("adamw", normChunks, Kernels.BLOCK, slots, trainable.size(), NORM_CHUNK,
                    (float) (1 - lr * weightDecay), stepSize, bias2Sqrt, (float) AdamW.BETA1, (float) AdamW.BETA2,
                    (float) (1 - AdamW.BETA1), (float) (1 - AdamW.BETA2), (float) AdamW.EPS, clipScale,
                    clipped ? 1 : 0);
        }
        cuCtxSynchronize();
    }

    /** The trainable tensors' device gradients (the host model's order), copied to new arrays. */
    List<float[]> downloadGradients() {
        gpu.makeCurrent();
        List<float[]> out = new ArrayList<>();
        for (CudaTransformerLm.Weight w : trainable) {
            float[] g = new float[(int) w.size()];
            cuMemcpyDtoH(Pointer.to(g), w.grad().pointer(), 4L * w.size());
            out.add(g);
        }
        return out;
    }

    /** Replaces the device gradients (the optimizer check feeds both optimizers the same ones). */
    void uploadGradients(List<float[]> grads) {
        gpu.makeCurrent();
        for (int i = 0; i < trainable.size(); i++) {
            cuMemcpyHtoD(trainable.get(i).grad().pointer(), Pointer.to(grads.get(i)), 4L * trainable.get(i).size());
        }
    }

    /** Copies the weights and the moments to the host (for a checkpoint). */
    void download(List<float[]> hostM, List<float[]> hostV) {
        gpu.makeCurrent();
        student.download();
        for (int i = 0; i < trainable.size(); i++) {
            cuMemcpyDtoH(Pointer.to(hostM.get(i)), m.get(i).pointer(), 4L * trainable.get(i).size());
            cuMemcpyDtoH(Pointer.to(hostV.get(i)), v.get(i).pointer(), 4L * trainable.get(i).size());
        }
    }

    /** Copies the host's weights and moments to the device (after a resume restored them). */
    void upload(List<float[]> hostM, List<float[]> hostV) {
        gpu.makeCurrent();
        student.upload();
        for (int i = 0; i < trainable.size(); i++) {
            cuMemcpyHtoD(m.get(i).pointer(), Pointer.to(hostM.get(i)), 4L * trainable.get(i).size());
            cuMemcpyHtoD(v.get(i).pointer(), Pointer.to(hostV.get(i)), 4L * trainable.get(i).size());
        }
        cuCtxSynchronize();
    }

    @Override
    public void close() {
        gpu.makeCurrent();
        for (DeviceBuffer b : buffers) {
            b.close();
        }
        buffers.clear();
        student.close();
        if (teacher != null) {
            teacher.close();
        }
        loss.close();
        flash.close();
        layers.close();
        blas.close();
        gpu.close();
    }
}
