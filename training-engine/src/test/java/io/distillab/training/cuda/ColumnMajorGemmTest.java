package io.distillab.training.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The row-major -> column-major mapping, on the CPU: the mapped arguments are fed to a naive
 * implementation of cuBLAS's column-major GEMM (as its documentation defines op(X), lda and the
 * batch strides) and the result is compared with the row-major product computed from its
 * definition ({@link GemmReference}). Both
 * sum in double in the same order, so they agree to rounding (tolerance 1e-12 relative); the
 * padding columns of C beyond N must be left untouched.
 */
class ColumnMajorGemmTest {
    private static final double TOLERANCE = 1e-12;
    private static final int[][] SHAPES = {{3, 5, 7}, {1, 4, 2}, {6, 1, 3}, {5, 3, 1}, {2, 2, 9}};

    /** cuBLAS's gemm, column-major: C[i + j*ldc] = alpha sum_p op(X)[i,p] op(Y)[p,j] + beta C, X first. */
    static void cublasReference(ColumnMajorGemm g, double alpha, double[] x, long xOff, double[] y, long yOff,
                                double beta, double[] c, long cOff) {
        for (int i = 0; i < g.m(); i++) {
            for (int j = 0; j < g.n(); j++) {
                double sum = 0;
                for (int p = 0; p < g.k(); p++) {
                    double xv = g.transFirst() ? x[(int) (xOff + p + (long) i * g.ldFirst())]
                            : x[(int) (xOff + i + (long) p * g.ldFirst())];
                    double yv = g.transSecond() ? y[(int) (yOff + j + (long) p * g.ldSecond())]
                            : y[(int) (yOff + p + (long) j * g.ldSecond())];
                    sum += xv * yv;
                }
                int at = (int) (cOff + i + (long) j * g.ldc());
                c[at] = alpha * sum + beta * c[at];
            }
        }
    }

    private static double[] random(Random rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextDouble() * 2 - 1;
        }
        return v;
    }

    @Test
    void mappedCallComputesTheRowMajorProductForEveryTransposeCombination() {
        Random rng = new Random(12);
        int cases = 0;
        for (int[] shape : SHAPES) {
            int M = shape[0], N = shape[1], K = shape[2];
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    int lda = (transA ? M : K) + 3;
                    int ldb = (transB ? K : N) + 2;
                    int ldc = N + 4;
                    double[] a = random(rng, (transA ? K : M) * lda);
                    double[] b = random(rng, (transB ? N : K) * ldb);
                    double[] c0 = random(rng, M * ldc);
                    double alpha = 0.75, beta = -0.5;

                    double[] expected = c0.clone();
                    GemmReference.rowMajor(transA, transB, M, N, K, alpha, a, 0, lda, b, 0, ldb, beta, expected, 0, ldc);
                    ColumnMajorGemm g = ColumnMajorGemm.fromRowMajor(transA, transB, M, N, K, lda, ldb, ldc);
                    double[] actual = c0.clone();
                    cublasReference(g, alpha, g.first() == ColumnMajorGemm.Operand.A ? a : b, 0,
                            g.second() == ColumnMajorGemm.Operand.A ? a : b, 0, beta, actual, 0);
                    assertClose(expected, actual, "M=" + M + " N=" + N + " K=" + K + " tA=" + transA + " tB=" + transB);
                    cases++;
                }
            }
        }
        assertEquals(SHAPES.length * 4, cases);
    }

    @Test
    void stridedBatchesMapTheirStridesToo() {
        Random rng = new Random(13);
        int M = 3, N = 5, K = 4, batch = 3;
        for (boolean transA : new boolean[] {false, true}) {
            for (boolean transB : new boolean[] {false, true}) {
                int lda = (transA ? M : K) + 1;
                int ldb = (transB ? K : N) + 3;
                int ldc = N + 2;
                // Strides larger than one matrix, and different for each operand.
                long strideA = (long) (transA ? K : M) * lda + 5;
                long strideB = (long) (transB ? N : K) * ldb + 7;
                long strideC = (long) M * ldc + 3;
                double[] a = random(rng, (int) (strideA * batch));
                double[] b = random(rng, (int) (strideB * batch));
                double[] c0 = random(rng, (int) (strideC * batch));
                double[] expected = c0.clone();
                for (int i = 0; i < batch; i++) {
                    GemmReference.rowMajor(transA, transB, M, N, K, 1.5, a, i * strideA, lda, b, i * strideB, ldb, 0.25,
                            expected, i * strideC, ldc);
                }
                ColumnMajorGemm g = ColumnMajorGemm.fromRowMajor(transA, transB, M, N, K, lda, ldb, ldc,
                        strideA, strideB, strideC);
                double[] x = g.first() == ColumnMajorGemm.Operand.A ? a : b;
                double[] y = g.second() == ColumnMajorGemm.Operand.A ? a : b;
                double[] actual = c0.clone();
                for (int i = 0; i < batch; i++) {
                    cublasReference(g, 1.5, x, i * g.strideFirst(), y, i * g.strideSecond(), 0.25, actual,
                            i * g.strideC());
                }
                assertClose(expected, actual, "batched tA=" + transA + " tB=" + transB);
            }
        }
    }

    @Test
    void leadingDimensionsTooSmallAreRefusedNamingTheOperand() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ColumnMajorGemm.fromRowMajor(false, false, 4, 6, 8, 7, 6, 6));
        assertTrue(e.getMessage().contains("lda=7 < 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ColumnMajorGemm.fromRowMajor(true, false, 4, 6, 8, 3, 6, 6));
        assertTrue(e.getMessage().contains("lda=3 < 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ColumnMajorGemm.fromRowMajor(false, true, 4, 6, 8, 8, 6, 6));
        assertTrue(e.getMessage().contains("ldb=6 < 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ColumnMajorGemm.fromRowMajor(false, false, 4, 6, 8, 8, 6, 5));
        assertTrue(e.getMessage().contains("ldc=5 < N=6"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ColumnMajorGemm.fromRowMajor(false, false, -1, 6, 8, 8, 6, 6));
    }

    @Test
    void bf16OperandsAlwaysAccumulateInFp32AndTypesMustAgree() {
        assertEquals(jcuda.jcublas.cublasComputeType.CUBLAS_COMPUTE_32F,
                Cublas.computeType(Cublas.DType.BF16, Cublas.DType.BF16, Cublas.Compute.TF32));
        assertEquals(jcuda.jcublas.cublasComputeType.CUBLAS_COMPUTE_32F_FAST_TF32,
                Cublas.computeType(Cublas.DType.F32, Cublas.DType.F32, Cublas.Compute.TF32));
        assertEquals(jcuda.jcublas.cublasComputeType.CUBLAS_COMPUTE_32F,
                Cublas.computeType(Cublas.DType.F32, Cublas.DType.F32, Cublas.Compute.FP32));
        assertThrows(IllegalArgumentException.class,
                () -> Cublas.computeType(Cublas.DType.F32, Cublas.DType.BF16, Cublas.Compute.FP32));
    }

    private static void assertClose(double[] expected, double[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            double scale = Math.max(1, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= TOLERANCE * scale,
                    what + ": element " + i + " expected " + expected[i] + " got " + actual[i]);
        }
    }
}
