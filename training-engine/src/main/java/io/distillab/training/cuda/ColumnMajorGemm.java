package io.distillab.training.cuda;

/**
 * The arguments of the column-major cuBLAS call that computes a row-major GEMM
 * {@code C[M,N] = alpha op(A)[M,K] op(B)[K,N] + beta C}. A row-major matrix with row stride
 * {@code ld} is, byte for byte, the column-major matrix of its transpose with leading dimension
 * {@code ld}; so cuBLAS is asked for {@code C^T[N,M] = op(B)^T op(A)^T}: B goes first, A second,
 * each keeping its own transpose flag, and m and n swap.
 *
 * @param transFirst  cuBLAS's transa, applied to the first operand (the row-major B)
 * @param transSecond cuBLAS's transb, applied to the second operand (the row-major A)
 * @param m rows of the column-major result (N)
 * @param n columns of the column-major result (M)
 * @param k the inner dimension (K)
 * @param first which row-major operand cuBLAS gets as its A (it is B)
 * @param second which row-major operand cuBLAS gets as its B (it is A)
 * @param ldFirst leading dimension of the first operand (ldb)
 * @param ldSecond leading dimension of the second operand (lda)
 * @param ldc leading dimension of the result (ldc)
 * @param strideFirst elements between batches of the first operand (strideB)
 * @param strideSecond elements between batches of the second operand (strideA)
 * @param strideC elements between batches of the result
 */
public record ColumnMajorGemm(boolean transFirst, boolean transSecond, int m, int n, int k, Operand first,
                              Operand second, int ldFirst, int ldSecond, int ldc, long strideFirst, long strideSecond, long strideC) {

    /** The operands of the row-major product. */
    public enum Operand { A, B }

    /**
     * The cuBLAS call for a row-major product; leading dimensions are row strides in elements:
     * A is [M,K] (lda >= K), or stored [K,M] when transposed (lda >= M); B is [K,N] (ldb >= N), or
     * stored [N,K] when transposed (ldb >= K); C is [M,N] (ldc >= N).
     */
    public static ColumnMajorGemm fromRowMajor(boolean transA, boolean transB, int M, int N, int K, int lda, int ldb,
                                               int ldc, long strideA, long strideB, long strideC) {
        if (M < 0 || N < 0 || K < 0) {
            throw new IllegalArgumentException("gemm: negative size M=" + M + " N=" + N + " K=" + K);
        }
        int aWidth = transA ? M : K;
        int bWidth = transB ? K : N;
        if (lda < Math.max(1, aWidth)) {
            throw new IllegalArgumentException("gemm: lda=" + lda + " < " + aWidth + ", the width of A"
                    + (transA ? " (stored [K,M] as it is transposed)" : " [M,K]"));
        }
        if (ldb < Math.max(1, bWidth)) {
            throw new IllegalArgumentException("gemm: ldb=" + ldb + " < " + bWidth + ", the width of B"
                    + (transB ? " (stored [N,K] as it is transposed)" : " [K,N]"));
        }
        if (ldc < Math.max(1, N)) {
            throw new IllegalArgumentException("gemm: ldc=" + ldc + " < N=" + N);
        }
        if (strideA < 0 || strideB < 0 || strideC < 0) {
            throw new IllegalArgumentException("gemm: negative batch stride");
        }
        return new ColumnMajorGemm(transB, transA, N, M, K, Operand.B, Operand.A, ldb, lda, ldc, strideB, strideA, strideC);
    }

    public static ColumnMajorGemm fromRowMajor(boolean transA, boolean transB, int M, int N, int K, int lda, int ldb,
                                               int ldc) {
        return fromRowMajor(transA, transB, M, N, K, lda, ldb, ldc, 0, 0, 0);
    }
}
