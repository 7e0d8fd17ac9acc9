package io.distillab.cli.bench;

import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import io.distillab.cli.ExitCodes;
import io.distillab.training.cuda.Cublas;
import io.distillab.training.cuda.CudaDevice;
import io.distillab.training.cuda.CudaTimer;
import io.distillab.training.cuda.CudaUnavailableException;
import io.distillab.training.cuda.DeviceBuffer;
import io.distillab.training.cuda.GemmReference;
import io.distillab.training.loss.BFloat16;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import jcuda.Pointer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillab bench gemm}: the row-major cuBLAS GEMM of the GPU training step
 * ({@link Cublas}), checked and timed. {@code --check} first compares it with a double-precision
 * CPU product on small odd shapes, every transpose combination, padded leading dimensions and a
 * strided batch: fresh random inputs (never zero), C poisoned with NaN when beta is 0 (every
 * output must be written) and random when it is not, and everything outside the product (padding
 * columns, gaps between batches) must come back untouched. The timing runs CUDA events around
 * each call after a warm-up and reports the median and TFLOP/s, at 8192^3 and at GPT-2 124M's
 * products (B*T = 16384 rows, forward and both backward products of each layer) by default.
 */
@Command(name = "gemm", mixinStandardHelpOptions = true,
        description = "Check (--check) and time cuBLAS's row-major GEMM on a CUDA GPU: f32, tf32, bf16; TFLOP/s.")
public final class BenchGemmCommand implements Callable<Integer> {
    /** Small odd shapes of the check (M, N, K): ones, primes, just past powers of two. */
    static final int[][] CHECK_SHAPES = {{1, 1, 1}, {3, 5, 7}, {17, 33, 65}, {127, 61, 255}, {65, 129, 31}};
    /** Extra columns of every check matrix beyond its width, so ld > width. */
    private static final int CHECK_PAD = 3;
    private static final int CHECK_BATCH = 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--device", defaultValue = "cuda", description = "cuda, the only device this runs on (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--check", description = "Compare with a double-precision CPU product first (tolerances: f32 1e-5, "
            + "tf32 3e-3, bf16 1e-2 of ||out-ref||/||ref||).")
    boolean check;

    @Option(names = "--sizes", description = "M,N,K[,tt] items separated by ';', tt = nn|nt|tn|tt "
            + "(default: 8192^3 and GPT-2 124M's forward and backward products at 16384 rows).")
    String sizes;

    @Option(names = "--dtype", split = ",", defaultValue = "tf32,bf16", description = "f32, tf32, bf16 (default: ${DEFAULT-VALUE}).")
    String[] dtypes;

    @Option(names = "--warmup", defaultValue = "5", description = "Untimed calls first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--repeats", defaultValue = "20", description = "Timed calls; the median is reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--seed", defaultValue = "20261130", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Append one JSON object per measurement to this file.")
    Path json;

    /** What the options ask for, validated. */
    record Plan(List<GemmProblem> problems, List<GemmPrecision> precisions) {
    }

    /** Validates the options; the message of the exception is the one line of exit code 2. */
    Plan plan() {
        if (!device.equalsIgnoreCase("cuda")) {
            throw new IllegalArgumentException("--device: bench gemm runs on cuda only, got '" + device + "'");
        }
        if (warmup < 0 || repeats < 1) {
            throw new IllegalArgumentException("--warmup must be >= 0 and --repeats >= 1");
        }
        List<GemmProblem> problems;
        try {
            problems = sizes == null ? GemmProblem.defaults() : GemmProblem.parse(sizes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--sizes: " + e.getMessage());
        }
        for (GemmProblem p : problems) {
            if (p.largestOperand() > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("--sizes: " + p.name() + " has an operand of " + p.largestOperand()
                        + " elements, more than one host array holds");
            }
        }
        try {
            return new Plan(problems, GemmPrecision.parse(dtypes));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--dtype: " + e.getMessage());
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Plan plan;
        try {
            plan = plan();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("distillab: error: " + e.getMessage());
            return ExitCodes.BAD_INPUT;
        }
        try (CudaDevice gpu = CudaDevice.open(0); Cublas cublas = Cublas.open(gpu)) {
            out.printf(Locale.ROOT, "device: %s, cuBLAS %d%n", gpu.describe(), cublas.version());
            out.flush();
            int failures = 0;
            if (check) {
                failures = check(out, cublas, plan.precisions());
            }
            time(out, gpu, cublas, plan);
            if (failures > 0) {
                out.printf(Locale.ROOT, "check FAILED: %d cases%n", failures);
                out.flush();
                return ExitCodes.INTERNAL;
            }
            return ExitCodes.OK;
        } catch (CudaUnavailableException e) {
            spec.commandLine().getErr().println("distillab: error: --device cuda: " + e.getMessage());
            return ExitCodes.BAD_INPUT;
        }
    }

    // ---- check -------------------------------------------------------------------------------

    private int check(PrintWriter out, Cublas cublas, List<GemmPrecision> precisions) {
        SplittableRandom rng = new SplittableRandom(seed);
        int failures = 0;
        int cases = 0;
        for (GemmPrecision precision : precisions) {
            double worst = 0;
            for (int[] shape : CHECK_SHAPES) {
                for (int t = 0; t < 4; t++) {
                    boolean transA = (t & 2) != 0;
                    boolean transB = (t & 1) != 0;
                    // beta = 0 on a NaN-poisoned C (every output written), then beta != 0 on a random C.
                    for (boolean poisoned : new boolean[] {true, false}) {
                        for (int batch : new int[] {1, CHECK_BATCH}) {
                            CheckResult r = checkOne(cublas, precision, transA, transB, shape[0], shape[1], shape[2],
                                    batch, poisoned, rng);
                            cases++;
                            worst = Math.max(worst, r.relativeError);
                            if (!r.passed(precision.tolerance)) {
                                failures++;
                                out.printf(Locale.ROOT, "check FAIL %s M=%d N=%d K=%d %s batch=%d %s: %s%n",
                                        precision.label, shape[0], shape[1], shape[2], (transA ? "t" : "n")
                                                + (transB ? "t" : "n"), batch, poisoned ? "beta=0 on NaN" : "beta!=0",
                                        r.describe());
                            }
                        }
                    }
                }
            }
            out.printf(Locale.ROOT, "check %-4s: %d cases (shapes %s, nn/nt/tn/tt, batch 1 and %d, beta 0 and not), worst "
                    + "||out-ref||/||ref|| %.3g, tolerance %.0e%n", precision.label, CHECK_SHAPES.length * 16,
                    shapesLabel(), CHECK_BATCH, worst, precision.tolerance);
            out.flush();
        }
        out.printf(Locale.ROOT, "check: %d of %d cases passed%n", cases - failures, cases);
        out.flush();
        return failures;
    }

    private static String shapesLabel() {
        List<String> s = new ArrayList<>();
        for (int[] shape : CHECK_SHAPES) {
            s.add(shape[0] + "x" + shape[1] + "x" + shape[2]);
        }
        return String.join(",", s);
    }

    record CheckResult(double relativeError, int nonFinite, int paddingTouched) {
        boolean passed(double tolerance) {
            return nonFinite == 0 && paddingTouched == 0 && relativeError <= tolerance;
        }

        String describe() {
            return String.format(Locale.ROOT, "||out-ref||/||ref|| %.3g, %d outputs not finite, %d elements outside C"
                    + " changed", relativeError, nonFinite, paddingTouched);
        }
    }

    private static CheckResult checkOne(Cublas cublas, GemmPrecision precision, boolean transA, boolean transB, int M,
                                        int N, int K, int batch, boolean poisoned, SplittableRandom rng) {
        int lda = (transA ? M : K) + CHECK_PAD;
        int ldb = (transB ? K : N) + CHECK_PAD;
        int ldc = N + CHECK_PAD;
        // Batch strides leave a gap after each matrix, which must stay untouched too.
        long strideA = (long) (transA ? K : M) * lda + 2;
        long strideB = (long) (transB ? N : K) * ldb + 5;
        long strideC = (long) M * ldc + 7;
        boolean bf16 = precision.dtype == Cublas.DType.BF16;
        Matrix a = Matrix.random((int) (strideA * batch), bf16, rng);
        Matrix b = Matrix.random((int) (strideB * batch), bf16, rng);
        Matrix c = poisoned ? Matrix.nan((int) (strideC * batch), bf16) : Matrix.random((int) (strideC * batch), bf16, rng);
        float alpha = poisoned ? 1.25f : 0.5f;
        float beta = poisoned ? 0f : -0.75f;

        double[] expected = c.values.clone();
        for (int i = 0; i < batch; i++) {
            GemmReference.rowMajor(transA, transB, M, N, K, alpha, a.values, i * strideA, lda, b.values, i * strideB, ldb,
                    beta, expected, i * strideC, ldc);
        }
        Matrix result;
        try (DeviceBuffer da = a.upload(); DeviceBuffer db = b.upload(); DeviceBuffer dc = c.upload()) {
            Cublas.DType t = precision.dtype;
            if (batch == 1) {
                cublas.gemm(transA, transB, M, N, K, alpha, da.pointer(), t, lda, db.pointer(), t, ldb, beta,
                        dc.pointer(), t, ldc, precision.compute);
            } else {
                cublas.gemmStridedBatched(transA, transB, M, N, K, alpha, da.pointer(), t, lda, db.pointer(), t, ldb,
                        beta, dc.pointer(), t, ldc, precision.compute, strideA, strideB, strideC, batch);
            }
            cuCtxSynchronize();
            result = c.download(dc);
        }
        double diff = 0;
        double norm = 0;
        int nonFinite = 0;
        int touched = 0;
        for (int at = 0; at < expected.length; at++) {
            long inMatrix = at % strideC;
            boolean inside = inMatrix < (long) M * ldc && inMatrix % ldc < N;
            if (inside) {
                double got = result.values[at];
                if (!Double.isFinite(got)) {
                    nonFinite++;
                } else {
                    diff += (got - expected[at]) * (got - expected[at]);
                }
                norm += expected[at] * expected[at];
            } else if (!result.sameBits(c, at)) {
                touched++;
            }
        }
        return new CheckResult(norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm), nonFinite, touched);
    }

    /** Host copy of a device matrix: float32 or bfloat16 bits, and the exact values as doubles. */
    private static final class Matrix {
        final float[] f32;
        final short[] bf16;
        final double[] values;

        private Matrix(float[] f32, short[] bf16) {
            this.f32 = f32;
            this.bf16 = bf16;
            int n = f32 != null ? f32.length : bf16.length;
            values = new double[n];
            for (int i = 0; i < n; i++) {
                values[i] = f32 != null ? f32[i] : BFloat16.toFloat(bf16[i]);
            }
        }

        static Matrix random(int n, boolean bf16, SplittableRandom rng) {
            float[] f = randomFloats(n, rng);
            return bf16 ? new Matrix(null, toBf16(f)) : new Matrix(f, null);
        }

        static Matrix nan(int n, boolean bf16) {
            if (bf16) {
                short[] s = new short[n];
                java.util.Arrays.fill(s, (short) 0x7fc0);
                return new Matrix(null, s);
            }
            float[] f = new float[n];
            java.util.Arrays.fill(f, Float.NaN);
            return new Matrix(f, null);
        }

        DeviceBuffer upload() {
            return uploadArray(f32, bf16);
        }

        Matrix download(DeviceBuffer buffer) {
            if (f32 != null) {
                float[] f = new float[f32.length];
                cuMemcpyDtoH(Pointer.to(f), buffer.pointer(), 4L * f.length);
                return new Matrix(f, null);
            }
            short[] s = new short[bf16.length];
            cuMemcpyDtoH(Pointer.to(s), buffer.pointer(), 2L * s.length);
            return new Matrix(null, s);
        }

        boolean sameBits(Matrix other, int at) {
            return f32 != null ? Float.floatToRawIntBits(f32[at]) == Float.floatToRawIntBits(other.f32[at])
                    : bf16[at] == other.bf16[at];
        }
    }

    /**
     * Uniform in [-1, 1) and never zero, in float32 or once rounded to bfloat16 (a zero input
     * could hide an operand that was never read).
     */
    private static float[] randomFloats(int n, SplittableRandom rng) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            float v;
            do {
                v = (float) (rng.nextDouble() * 2 - 1);
            } while (Math.abs(v) < 1e-3f);
            f[i] = v;
        }
        return f;
    }

    private static short[] toBf16(float[] f) {
        short[] s = new short[f.length];
        for (int i = 0; i < f.length; i++) {
            s[i] = BFloat16.round(f[i]);
        }
        return s;
    }

    private static DeviceBuffer uploadArray(float[] f32, short[] bf16) {
        if (f32 != null) {
            return DeviceBuffer.upload(f32);
        }
        DeviceBuffer buffer = DeviceBuffer.allocate(2L * bf16.length);
        cuMemcpyHtoD(buffer.pointer(), Pointer.to(bf16), 2L * bf16.length);
        return buffer;
    }

    // ---- timing ------------------------------------------------------------------------------

    private void time(PrintWriter out, CudaDevice gpu, Cublas cublas, Plan plan) throws IOException {
        long largest = 0;
        for (GemmProblem p : plan.problems()) {
            largest = Math.max(largest, p.largestOperand());
        }
        // One random operand for every upload: timing does not depend on the values, only on their not being zero.
        float[] hostF32 = randomFloats((int) largest, new SplittableRandom(seed));
        short[] hostBf16 = plan.precisions().contains(GemmPrecision.BF16) ? toBf16(hostF32) : null;
        List<String> table = new ArrayList<>();
        table.add(String.format(Locale.ROOT, "%-5s %-12s %-2s %6s %6s %6s %10s %10s %9s", "dtype", "problem", "tt", "M",
                "N", "K", "median_ms", "min_ms", "TFLOP/s"));
        for (GemmPrecision precision : plan.precisions()) {
            boolean bf16 = precision == GemmPrecision.BF16;
            for (GemmProblem p : plan.problems()) {
                int lda = p.transA() ? p.m() : p.k();
                int ldb = p.transB() ? p.k() : p.n();
                long aElems = (long) p.m() * p.k();
                long bElems = (long) p.k() * p.n();
                long cElems = (long) p.m() * p.n();
                try (DeviceBuffer a = uploadPrefix(hostF32, hostBf16, bf16, aElems);
                     DeviceBuffer b = uploadPrefix(hostF32, hostBf16, bf16, bElems);
                     DeviceBuffer c = DeviceBuffer.allocate(cElems * precision.dtype.bytes())) {
                    Cublas.DType t = precision.dtype;
                    float[] ms = CudaTimer.time(() -> cublas.gemm(p.transA(), p.transB(), p.m(), p.n(), p.k(), 1f,
                            a.pointer(), t, lda, b.pointer(), t, ldb, 0f, c.pointer(), t, p.n(), precision.compute),
                            warmup, repeats);
                    double median = CudaTimer.median(ms);
                    double tflops = p.flops() / (median * 1e-3) / 1e12;
                    String row = String.format(Locale.ROOT, "%-5s %-12s %-2s %6d %6d %6d %10.4f %10.4f %9.1f",
                            precision.label, p.name(), p.transposes(), p.m(), p.n(), p.k(), median, ms[0], tflops);
                    table.add(row);
                    out.println(row);
                    out.flush();
                    if (json != null) {
                        Files.writeString(json, String.format(Locale.ROOT,
                                "{\"device\": \"%s\", \"cublas\": %d, \"dtype\": \"%s\", \"problem\": \"%s\", "
                                        + "\"transposes\": \"%s\", \"m\": %d, \"n\": %d, \"k\": %d, \"median_ms\": %.5f, "
                                        + "\"min_ms\": %.5f, \"runs\": %d, \"tflops\": %.2f}%n",
                                gpu.name(), cublas.version(), precision.label, p.name(), p.transposes(), p.m(), p.n(),
                                p.k(), median, ms[0], ms.length, tflops),
                                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    }
                }
            }
        }
        out.println();
        table.forEach(out::println);
        out.flush();
    }

    private static DeviceBuffer uploadPrefix(float[] f32, short[] bf16, boolean useBf16, long elements) {
        DeviceBuffer buffer = DeviceBuffer.allocate(elements * (useBf16 ? 2 : 4));
        if (useBf16) {
            cuMemcpyHtoD(buffer.pointer(), Pointer.to(bf16), 2L * elements);
        } else {
            cuMemcpyHtoD(buffer.pointer(), Pointer.to(f32), 4L * elements);
        }
        return buffer;
    }
}
