package io.distillab.training.model;

import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Row-major single-precision matrix products {@code C = beta·C + alpha·op(A)·op(B)}: OpenBLAS's sgemm
 * (through JavaCPP; its linux-x86_64 jar carries the library), or plain multi-threaded Java where
 * that library does not load (another platform). {@code op(A)} is [M, K]: A is stored [M, K], or
 * [K, M] when {@code transA}; {@code op(B)} is [K, N]: B is stored [K, N], or [N, K] when
 * {@code transB}; C is [M, N]. Arrays start at index 0 (JavaCPP passes whole Java arrays).
 */
public final class Matmul {
    private static final boolean NATIVE = loadOpenBlas();

    private Matmul() {
    }

    private static boolean loadOpenBlas() {
        if (Boolean.getBoolean("distillab.blas.java")) {
            return false;
        }
        try {
            org.bytedeco.javacpp.Loader.load(openblas_nolapack.class);
            return true;
        } catch (Throwable e) {
            return false;
        }
    }

    /** "openblas" or "java", for benchmark reports. */
    public static String backend() {
        return NATIVE ? "openblas" : "java";
    }

    /** OpenBLAS's own thread count (process-wide). */
    public static void setThreads(int threads) {
        if (NATIVE) {
            openblas_nolapack.blas_set_num_threads(Math.max(1, threads));
        }
    }

    private static Workers shared;

    /**
     * {@code C = beta·C + op(A)·op(B)} for callers outside the model (benchmarks, tests); the Java
     * fallback runs on {@code threads} threads.
     */
    public static synchronized void multiply(int threads, boolean transA, boolean transB, int M, int N, int K,
                                             float[] a, float[] b, float beta, float[] c) {
        if (shared == null || shared.threads() != threads) {
            shared = new Workers(threads);
        }
        gemm(shared, transA, transB, M, N, K, 1f, a, b, beta, c);
    }

    static void gemm(Workers workers, boolean transA, boolean transB, int M, int N, int K,
                     float alpha, float[] a, float[] b, float beta, float[] c) {
        if (M == 0 || N == 0) {
            return;
        }
        if (NATIVE) {
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                    transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                    transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                    M, N, K, alpha, a, transA ? M : K, b, transB ? K : N, beta, c, N);
            return;
        }
        javaGemm(workers, transA, transB, M, N, K, alpha, a, b, beta, c);
    }

    /** The fallback: rows of C in parallel, each an axpy over K rows of op(B). */
    static void javaGemm(Workers workers, boolean transA, boolean transB, int M, int N, int K,
                         float alpha, float[] a, float[] b, float beta, float[] c) {
        workers.forRange(M, (from, to) -> {
            for (int i = from; i < to; i++) {
                int ci = i * N;
                if (beta == 0f) {
                    java.util.Arrays.fill(c, ci, ci + N, 0f);
                } else if (beta != 1f) {
                    for (int j = 0; j < N; j++) {
                        c[ci + j] *= beta;
                    }
                }
                for (int p = 0; p < K; p++) {
                    float aip = alpha * (transA ? a[p * M + i] : a[i * K + p]);
                    if (aip == 0f) {
                        continue;
                    }
                    if (transB) {
                        for (int j = 0; j < N; j++) {
                            c[ci + j] += aip * b[j * K + p];
                        }
                    } else {
                        int bp = p * N;
                        for (int j = 0; j < N; j++) {
                            c[ci + j] += aip * b[bp + j];
                        }
                    }
                }
            }
        });
    }
}
