package io.distillab.training.cuda;

/**
 * The row-major GEMM of {@link Cublas#gemm} computed in double on the CPU, straight from its
 * definition: the reference the GPU's results are checked against.
 */
public final class GemmReference {
    private GemmReference() {
    }

    /**
     * {@code C[M,N] = alpha op(A)[M,K] op(B)[K,N] + beta C}, every matrix row-major with its
     * leading dimension and starting at its offset; op(A)[i,p] is {@code A[i*lda+p]}, or
     * {@code A[p*lda+i]} when transposed (likewise B). As in BLAS, C is not read when beta is 0,
     * so NaN there does not propagate.
     */
    public static void rowMajor(boolean transA, boolean transB, int M, int N, int K, double alpha,
                                double[] a, long aOffset, int lda, double[] b, long bOffset, int ldb,
                                double beta, double[] c, long cOffset, int ldc) {
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                double sum = 0;
                for (int p = 0; p < K; p++) {
                    double av = transA ? a[(int) (aOffset + (long) p * lda + i)] : a[(int) (aOffset + (long) i * lda + p)];
                    double bv = transB ? b[(int) (bOffset + (long) j * ldb + p)] : b[(int) (bOffset + (long) p * ldb + j)];
                    sum += av * bv;
                }
                int at = (int) (cOffset + (long) i * ldc + j);
                c[at] = alpha * sum + (beta == 0 ? 0 : beta * c[at]);
            }
        }
    }
}
