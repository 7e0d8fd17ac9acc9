package io.distillab.training.model;

import io.distillab.training.cuda.CudaDevice;
import io.distillab.training.cuda.CudaTimer;
import io.distillab.training.cuda.CudaUnavailableException;
import io.distillab.training.cuda.DeviceBuffer;
import io.distillab.training.cuda.Kernels;
import io.distillab.training.loss.BFloat16;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Device check of {@link FlashAttention}: every output against a double-precision CPU reference
 * written here with plain loops over the mask, on fresh random inputs with NaN-poisoned outputs,
 * then the speed at GPT-2 124M and Qwen3-0.6B attention shapes.
 *
 * <p>Error: ||gpu - ref|| / ||ref|| over each output tensor; a NaN anywhere fails. Tolerances:
 * float32 inputs 1e-5 forward (y, lse) and 1e-4 backward (dq, dk, dv: sums of T products whose
 * terms cancel); bfloat16 inputs 1e-3 and 1e-3, the reference computed from the same
 * bfloat16-rounded inputs (the CUDA-core kernels compute in float32; the tensor-core kernels
 * multiply exact bf16 inputs with float32 accumulation and split P and dS into two bf16 parts, so
 * about 1e-6 is expected of both, and 1e-3 leaves room without hiding a wrong element). Where the
 * tensor-core kernels fit (bf16, HS 64 or 128, sm_90+) both variants are checked, the tensor-core
 * lines labelled "bf16-tc". The backward also has to give the same bits twice.
 *
 * <p>Naming key as in {@link FlashAttention}: B batch rows, NH heads, T positions, HS head size.
 */
public final class FlashAttentionCheck {
    static final double FORWARD_TOLERANCE_F32 = 1e-5;
    static final double BACKWARD_TOLERANCE_F32 = 1e-4;
    static final double FORWARD_TOLERANCE_BF16 = 1e-3;
    static final double BACKWARD_TOLERANCE_BF16 = 1e-3;
    /** {B, NH, T, HS}: one position, T not a multiple of the 64-tile, HS 16..128, GPT-2-like. */
    static final int[][] SHAPES = {{1, 1, 1, 16}, {2, 3, 37, 16}, {2, 4, 64, 32}, {1, 2, 129, 64}, {2, 2, 256, 128},
        {4, 12, 1024, 64}};
    /** Timed shapes {B, NH, T, HS}: GPT-2 124M and Qwen3-0.6B attention at T = 1024. */
    static final int[][] TIMED = {{16, 12, 1024, 64}, {16, 16, 1024, 128}};
    private static final int NAN_PATTERN = 0x7fc00001;

    private FlashAttentionCheck() {
    }

    public static void main(String[] args) {
        int failures = run(System.out);
        System.exit(failures == 0 ? 0 : 1);
    }

    /** Checks every shape and precision, then times; returns the number of failed checks. */
    public static int run(PrintStream out) {
        try (CudaDevice gpu = CudaDevice.open(0); Kernels kernels = Kernels.load(gpu, FlashAttention.MODULE)) {
            out.println("check flash on " + gpu.describe());
            int failures = check(kernels, out, System.nanoTime());
            for (int[] shape : TIMED) {
                time(kernels, out, shape[0], shape[1], shape[2], shape[3]);
            }
            return failures;
        } catch (CudaUnavailableException e) {
            out.println("check flash FAIL: no usable CUDA device: " + e.getMessage());
            return 1;
        }
    }

    /** The correctness part of {@link #run}: one line per case, the number of failures returned. */
    static int check(Kernels kernels, PrintStream out, long seed) {
        int failures = 0;
        for (int[] s : SHAPES) {
            for (Precision precision : new Precision[] {Precision.FP32, Precision.BF16}) {
                for (FlashAttention.Variant variant : variants(kernels, precision, s[3])) {
                    failures += checkCase(kernels, out, variant, precision, s[0], s[1], s[2], s[3], seed++);
                }
            }
        }
        return failures;
    }

    /** The CUDA-core kernels always, the tensor-core ones too where they fit the device and shape. */
    private static List<FlashAttention.Variant> variants(Kernels kernels, Precision precision, int HS) {
        return FlashAttention.tensorCoresFit(kernels.gpu().computeCapability(), precision, HS)
                ? List.of(FlashAttention.Variant.CUDA_CORES, FlashAttention.Variant.TENSOR_CORES)
                : List.of(FlashAttention.Variant.CUDA_CORES);
    }

    /** The precision column of the report: "bf16-tc" for the tensor-core kernels. */
    private static String label(FlashAttention.Variant variant, Precision precision) {
        return precision.key() + (variant == FlashAttention.Variant.TENSOR_CORES ? "-tc" : "");
    }

    private static int checkCase(Kernels kernels, PrintStream out, FlashAttention.Variant variant, Precision precision,
            int B, int NH, int T, int HS, long seed) {
        Inputs in = Inputs.random(B, NH, T, HS, precision.bf16(), seed);
        int n = B * NH * T * HS;
        int rows = B * NH * T;
        double scale = FlashAttention.scale(HS);
        double[] yRef = new double[n];
        double[] lseRef = new double[rows];
        forwardReference(in.q, in.k, in.v, in.seqStart, B, NH, T, HS, scale, yRef, lseRef);
        double[] dqRef = new double[n];
        double[] dkRef = new double[n];
        double[] dvRef = new double[n];
        backwardReference(in.q, in.k, in.v, in.dy, in.seqStart, B, NH, T, HS, scale, dqRef, dkRef, dvRef);

        try (DeviceBuffer q = upload(in.q, precision); DeviceBuffer k = upload(in.k, precision);
                DeviceBuffer v = upload(in.v, precision); DeviceBuffer dy = upload(in.dy, precision);
                DeviceBuffer seqStart = DeviceBuffer.upload(in.seqStart);
                DeviceBuffer y = DeviceBuffer.allocate(4L * n); DeviceBuffer lse = DeviceBuffer.allocate(4L * rows);
                DeviceBuffer dq = DeviceBuffer.allocate(4L * n); DeviceBuffer dk = DeviceBuffer.allocate(4L * n);
                DeviceBuffer dv = DeviceBuffer.allocate(4L * n); DeviceBuffer delta = DeviceBuffer.allocate(4L * rows)) {
            y.fill32(NAN_PATTERN);
            lse.fill32(NAN_PATTERN);
            FlashAttention.forward(variant, kernels, precision, q, k, v, seqStart, y, lse, B, NH, T, HS);
            float[] yGpu = new float[n];
            float[] lseGpu = new float[rows];
            y.copyTo(yGpu);
            lse.copyTo(lseGpu);
            double yErr = relativeError(yGpu, yRef);
            double lseErr = relativeError(lseGpu, lseRef);
            double forwardTol = precision.bf16() ? FORWARD_TOLERANCE_BF16 : FORWARD_TOLERANCE_F32;
            boolean forwardPass = yErr <= forwardTol && lseErr <= forwardTol;
            out.println(line("fwd", label(variant, precision), B, NH, T, HS, Math.max(yErr, lseErr), forwardTol, forwardPass)
                    + String.format(Locale.ROOT, " (y %.2e lse %.2e)", yErr, lseErr));

            float[][] first = null;
            float[][] grads = null;
            for (int pass = 0; pass < 2; pass++) {
                for (DeviceBuffer b : List.of(dq, dk, dv, delta)) {
                    b.fill32(NAN_PATTERN);
                }
                FlashAttention.backward(variant, kernels, precision, q, k, v, y, dy, lse, seqStart, dq, dk, dv, delta,
                        B, NH, T, HS);
                grads = new float[3][n];
                dq.copyTo(grads[0]);
                dk.copyTo(grads[1]);
                dv.copyTo(grads[2]);
                if (first == null) {
                    first = grads;
                }
            }
            boolean deterministic = Arrays.deepEquals(first, grads);
            double dqErr = relativeError(grads[0], dqRef);
            double dkErr = relativeError(grads[1], dkRef);
            double dvErr = relativeError(grads[2], dvRef);
            double backwardTol = precision.bf16() ? BACKWARD_TOLERANCE_BF16 : BACKWARD_TOLERANCE_F32;
            double backwardErr = Math.max(dqErr, Math.max(dkErr, dvErr));
            boolean backwardPass = backwardErr <= backwardTol && deterministic;
            out.println(line("bwd", label(variant, precision), B, NH, T, HS, backwardErr, backwardTol, backwardPass)
                    + String.format(Locale.ROOT, " (dq %.2e dk %.2e dv %.2e%s)", dqErr, dkErr, dvErr,
                            deterministic ? ", same bits twice" : ", NOT the same bits twice"));
            return (forwardPass ? 0 : 1) + (backwardPass ? 0 : 1);
        }
    }

    private static String line(String pass, String precision, int B, int NH, int T, int HS, double err, double tol,
            boolean ok) {
        return String.format(Locale.ROOT, "check flash %s %s B=%d NH=%d T=%d HS=%d err=%.3e tol=%.0e %s", pass,
                precision, B, NH, T, HS, err, tol, ok ? "PASS" : "FAIL");
    }

    private static void time(Kernels kernels, PrintStream out, int B, int NH, int T, int HS) {
        Precision precision = Precision.BF16;
        Inputs in = Inputs.random(B, NH, T, HS, true, 12);
        int n = B * NH * T * HS;
        int rows = B * NH * T;
        try (DeviceBuffer q = upload(in.q, precision); DeviceBuffer k = upload(in.k, precision);
                DeviceBuffer v = upload(in.v, precision); DeviceBuffer dy = upload(in.dy, precision);
                DeviceBuffer seqStart = DeviceBuffer.upload(causalOnly(B, T));
                DeviceBuffer y = DeviceBuffer.allocate(4L * n); DeviceBuffer lse = DeviceBuffer.allocate(4L * rows);
                DeviceBuffer dq = DeviceBuffer.allocate(4L * n); DeviceBuffer dk = DeviceBuffer.allocate(4L * n);
                DeviceBuffer dv = DeviceBuffer.allocate(4L * n); DeviceBuffer delta = DeviceBuffer.allocate(4L * rows)) {
            for (FlashAttention.Variant variant : variants(kernels, precision, HS)) {
                float forward = CudaTimer.median(CudaTimer.time(() -> FlashAttention.forward(variant, kernels,
                        precision, q, k, v, seqStart, y, lse, B, NH, T, HS), 3, 11));
                float backward = CudaTimer.median(CudaTimer.time(() -> FlashAttention.backward(variant, kernels,
                        precision, q, k, v, y, dy, lse, seqStart, dq, dk, dv, delta, B, NH, T, HS), 3, 11));
                double forwardFlops = 4.0 * B * NH * (double) T * T * HS / 2;  // QK^T and PV, the causal half
                out.println(timeLine("fwd", label(variant, precision), B, NH, T, HS, forward, forwardFlops));
                out.println(timeLine("bwd", label(variant, precision), B, NH, T, HS, backward, 2.5 * forwardFlops));
            }
        }
    }

    private static String timeLine(String pass, String precision, int B, int NH, int T, int HS, float millis,
            double flops) {
        return String.format(Locale.ROOT, "time flash %s %s B=%d NH=%d T=%d HS=%d %.3f ms %.1f TFLOP/s (causal)",
                pass, precision, B, NH, T, HS, millis, flops / (millis * 1e-3) / 1e12);
    }

    /** seq_start of one sequence per batch row filling all T positions (plain causal attention). */
    private static int[] causalOnly(int B, int T) {
        return new int[B * T];
    }

    // ------------------------------------------------------------------ CPU reference in double

    /** Whether key {@code key} is visible to query {@code t} of a row whose first key is {@code start}. */
    static boolean visible(int start, int t, int key) {
        return start >= 0 && start <= key && key <= t;
    }

    /**
     * y[b,h,t] = sum over visible keys j of softmax_j(scale * q_t . k_j) v_j, and lse[b,h,t] =
     * log sum_j exp(scale * q_t . k_j); a row seeing no key gets y = 0, lse = 0.
     */
    static void forwardReference(double[] q, double[] k, double[] v, int[] seqStart, int B, int NH, int T, int HS,
            double scale, double[] y, double[] lse) {
        IntStream.range(0, B * NH).parallel().forEach(bh -> {
            int b = bh / NH;
            double[] s = new double[T];
            for (int t = 0; t < T; t++) {
                int start = seqStart[b * T + t];
                int row = bh * T + t;
                Arrays.fill(y, row * HS, (row + 1) * HS, 0.0);
                lse[row] = 0;
                if (!visible(start, t, t)) {
                    continue;
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int j = start; j <= t; j++) {
                    s[j] = scale * dot(q, row * HS, k, (bh * T + j) * HS, HS);
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = start; j <= t; j++) {
                    sum += Math.exp(s[j] - max);
                }
                lse[row] = max + Math.log(sum);
                for (int j = start; j <= t; j++) {
                    double p = Math.exp(s[j] - lse[row]);
                    for (int d = 0; d < HS; d++) {
                        y[row * HS + d] += p * v[(bh * T + j) * HS + d];
                    }
                }
            }
        });
    }

    /**
     * Gradients of sum(dy * y) with y from {@link #forwardReference}: with p_j the probabilities of
     * row t, dp_j = dy_t . v_j and dS_j = p_j (dp_j - sum_i p_i dp_i): dq_t = scale sum_j dS_j k_j,
     * dk_j += scale dS_j q_t, dv_j += p_j dy_t. The arrays are overwritten.
     */
    static void backwardReference(double[] q, double[] k, double[] v, double[] dy, int[] seqStart, int B, int NH,
            int T, int HS, double scale, double[] dq, double[] dk, double[] dv) {
        IntStream.range(0, B * NH).parallel().forEach(bh -> {
            int b = bh / NH;
            Arrays.fill(dq, bh * T * HS, (bh + 1) * T * HS, 0.0);
            Arrays.fill(dk, bh * T * HS, (bh + 1) * T * HS, 0.0);
            Arrays.fill(dv, bh * T * HS, (bh + 1) * T * HS, 0.0);
            double[] p = new double[T];
            double[] dp = new double[T];
            for (int t = 0; t < T; t++) {
                int start = seqStart[b * T + t];
                int row = bh * T + t;
                if (!visible(start, t, t)) {
                    continue;
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int j = start; j <= t; j++) {
                    p[j] = scale * dot(q, row * HS, k, (bh * T + j) * HS, HS);
                    max = Math.max(max, p[j]);
                }
                double sum = 0;
                for (int j = start; j <= t; j++) {
                    p[j] = Math.exp(p[j] - max);
                    sum += p[j];
                }
                double pdp = 0;
                for (int j = start; j <= t; j++) {
                    p[j] /= sum;
                    dp[j] = dot(dy, row * HS, v, (bh * T + j) * HS, HS);
                    pdp += p[j] * dp[j];
                }
                for (int j = start; j <= t; j++) {
                    double ds = p[j] * (dp[j] - pdp);
                    int key = (bh * T + j) * HS;
                    for (int d = 0; d < HS; d++) {
                        dq[row * HS + d] += scale * ds * k[key + d];
                        dk[key + d] += scale * ds * q[row * HS + d];
                        dv[key + d] += p[j] * dy[row * HS + d];
                    }
                }
            }
        });
    }

    private static double dot(double[] a, int ai, double[] b, int bi, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += a[ai + i] * b[bi + i];
        }
        return s;
    }

    /** ||gpu - ref|| / ||ref|| (against 1 where ref is all zeros); NaN when gpu holds a NaN or infinity. */
    static double relativeError(float[] gpu, double[] ref) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < ref.length; i++) {
            if (!Float.isFinite(gpu[i])) {
                return Double.NaN;
            }
            double e = gpu[i] - ref[i];
            diff += e * e;
            norm += ref[i] * ref[i];
        }
        return Math.sqrt(diff) / (norm > 0 ? Math.sqrt(norm) : 1.0);
    }

    // ------------------------------------------------------------------ inputs

    /** Random attention inputs: q, k, v, dy (bfloat16-representable when bf16) and packed-sequence starts. */
    record Inputs(double[] q, double[] k, double[] v, double[] dy, int[] seqStart) {
        static Inputs random(int B, int NH, int T, int HS, boolean bf16, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            int n = B * NH * T * HS;
            return new Inputs(gaussian(random, n, bf16), gaussian(random, n, bf16), gaussian(random, n, bf16),
                    gaussian(random, n, bf16), packedStarts(random, B, T));
        }

        private static double[] gaussian(SplittableRandom random, int n, boolean bf16) {
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                double g;
                do {
                    g = gaussian(random);
                } while (g == 0);  // never zero: a zero input could hide an unread element
                float f = (float) g;
                x[i] = bf16 ? BFloat16.toFloat(BFloat16.round(f)) : f;
            }
            return x;
        }

        private static double gaussian(SplittableRandom random) {
            double u = random.nextDouble();
            double w = random.nextDouble();
            return Math.sqrt(-2 * Math.log1p(-u)) * Math.cos(2 * Math.PI * w);
        }
    }

    /**
     * seq_start for B rows of T positions: each row holds 2 or 3 packed sequences (fewer when T is
     * too short) followed by a few padding positions (-1) when T >= 8; the padding count differs
     * per row.
     */
    static int[] packedStarts(SplittableRandom random, int B, int T) {
        int[] starts = new int[B * T];
        for (int b = 0; b < B; b++) {
            int padding = T >= 8 ? 1 + random.nextInt(Math.max(1, T / 8)) : 0;
            int used = T - padding;
            int sequences = Math.min(used, 2 + random.nextInt(2));
            List<Integer> cuts = new ArrayList<>();
            while (cuts.size() < sequences - 1) {
                int cut = 1 + random.nextInt(used - 1);
                if (!cuts.contains(cut)) {
                    cuts.add(cut);
                }
            }
            cuts.sort(null);
            int start = 0;
            int next = 0;
            for (int t = 0; t < T; t++) {
                if (next < cuts.size() && t == cuts.get(next)) {
                    start = t;
                    next++;
                }
                starts[b * T + t] = t < used ? start : -1;
            }
        }
        return starts;
    }

    /** Device copy of exactly representable values as float32, or as bfloat16 (two to an int, low half first). */
    private static DeviceBuffer upload(double[] x, Precision precision) {
        if (!precision.bf16()) {
            float[] f = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                f[i] = (float) x[i];
            }
            return DeviceBuffer.upload(f);
        }
        if (x.length % 2 != 0) {
            throw new IllegalArgumentException("bfloat16 upload of an odd count " + x.length);
        }
        int[] packed = new int[x.length / 2];
        for (int i = 0; i < packed.length; i++) {
            int lo = BFloat16.round((float) x[2 * i]) & 0xffff;
            int hi = BFloat16.round((float) x[2 * i + 1]) & 0xffff;
            packed[i] = lo | (hi << 16);
        }
        return DeviceBuffer.upload(packed);
    }
}
