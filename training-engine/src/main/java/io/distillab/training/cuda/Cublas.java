package io.distillab.training.cuda;

import static jcuda.jcublas.JCublas2.cublasCreate;
import static jcuda.jcublas.JCublas2.cublasDestroy;
import static jcuda.jcublas.JCublas2.cublasGemmEx_new;
import static jcuda.jcublas.JCublas2.cublasGemmStridedBatchedEx_new;
import static jcuda.jcublas.JCublas2.cublasGetVersion;
import static jcuda.jcublas.JCublas2.cublasSetStream;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;
import java.util.function.IntSupplier;
import jcuda.runtime.cudaStream_t;

/**
 * A cuBLAS handle on one GPU with a row-major GEMM: every matrix is row-major with its leading
 * dimension (row stride, in elements), as the model stores its tensors. The column-major call is
 * {@link ColumnMajorGemm}. Alpha and beta are host floats (pointer mode host), accumulation is
 * float32, the algorithm is cuBLAS's default and the math mode is left at its default. Every
 * status is checked and a failure is an {@link IllegalStateException} naming the call and the
 * status: JCublas2 throws on most (exceptions are enabled), but not on all, see {@link #gemm}.
 */
public final class Cublas implements AutoCloseable {
    /** Element types of the operands. */
    public enum DType {
        F32(cudaDataType.CUDA_R_32F, 4), BF16(cudaDataType.CUDA_R_16BF, 2);

        final int cuda;
        final int bytes;

        DType(int cuda, int bytes) {
            this.cuda = cuda;
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }
    }

    /** How float32 products are computed; bf16 operands always use FP32 (their products are exact in it). */
    public enum Compute {
        FP32(cublasComputeType.CUBLAS_COMPUTE_32F), TF32(cublasComputeType.CUBLAS_COMPUTE_32F_FAST_TF32);

        final int cuda;

        Compute(int cuda) {
            this.cuda = cuda;
        }
    }

    private final CudaDevice gpu;
    private final cublasHandle handle = new cublasHandle();
    private final int version;
    private boolean closed;
    private LaunchProfile profile;   // null: products are not timed

    private Cublas(CudaDevice gpu) {
        this.gpu = gpu;
        gpu.makeCurrent();
        cublasCreate(handle);
        int[] v = new int[1];
        cublasGetVersion(handle, v);
        version = v[0];
    }

    /** A handle bound to {@code gpu}'s context (made current here), loading cuBLAS on first use. */
    public static Cublas open(CudaDevice gpu) throws CudaUnavailableException {
        CublasLibrary.load();
        Cublas blas;
        try {
            blas = new Cublas(gpu);
        } catch (CudaException e) {
            throw new CudaUnavailableException("cuBLAS did not start on " + gpu.describe() + ": "
                    + CudaDriver.firstLine(e.getMessage()), e);
        }
        try {
            blas.selfTest();
        } catch (CudaUnavailableException | RuntimeException e) {
            blas.close();
            throw e;
        }
        return blas;
    }

    /**
     * A 2 x 2 product with an exact answer. On the first GPU run, one cuBLAS 13 answered
     * CUBLAS_STATUS_SUCCESS to every product and wrote nothing; a library that does that is
     * refused here rather than trained with.
     */
    private void selfTest() throws CudaUnavailableException {
        float[] a = {1, 2, 3, 4};
        float[] b = {5, 6, 7, 8};
        float[] c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        try (DeviceBuffer da = DeviceBuffer.upload(a); DeviceBuffer db = DeviceBuffer.upload(b);
             DeviceBuffer dc = DeviceBuffer.upload(c)) {
            gemm(false, false, 2, 2, 2, 1f, da.pointer(), DType.F32, 2, db.pointer(), DType.F32, 2, 0f, dc.pointer(),
                    DType.F32, 2, Compute.FP32);
            jcuda.driver.JCudaDriver.cuCtxSynchronize();
            dc.copyTo(c);
        }
        if (!java.util.Arrays.equals(c, new float[] {19, 22, 43, 50})) {
            throw new CudaUnavailableException("cuBLAS " + version + " (" + CublasLibrary.describeLoaded()
                    + ") answered a 2x2 product with " + java.util.Arrays.toString(c)
                    + " instead of [19.0, 22.0, 43.0, 50.0]; set DISTILLAB_CUBLAS to another cuBLAS 12 or 13 folder");
        }
    }

    /** cuBLAS's version number, e.g. 130100 for 13.1.0. */
    public int version() {
        return version;
    }

    public CudaDevice gpu() {
        return gpu;
    }

    /**
     * Times every later product in {@code profile} (null: stop timing), named by its row-major
     * shape and types ({@code gemm NT 16384x2304x768 bf16}); {@link LaunchProfile} brackets launches
     * on the default stream, so a profiled handle must not be given another stream.
     */
    public void profile(LaunchProfile profile) {
        this.profile = profile;
    }

    /** Runs later calls on {@code stream} (the default stream until called). */
    public void setStream(CUstream stream) {
        check("cublasSetStream", () -> cublasSetStream(handle, new cudaStream_t(stream)));
    }

    /**
     * {@code C[M,N] = alpha op(A)[M,K] op(B)[K,N] + beta C}, row-major: op(A) is A ([M,K], lda >= K)
     * or A^T (A stored [K,M], lda >= M); op(B) is B ([K,N], ldb >= N) or B^T (B stored [N,K],
     * ldb >= K); ldc >= N. A and B must have one type.
     *
     * <p>This calls JCublas2's {@code cublasGemmEx_new}, which passes a cublasComputeType_t to
     * cuBLAS. JCublas2's {@code cublasGemmEx} takes the pre-CUDA-11 cudaDataType compute type
     * instead, returns CUBLAS_STATUS_NOT_SUPPORTED for a cublasComputeType_t without calling
     * cuBLAS or throwing, and so computes nothing (seen on the H200: C came back untouched).
     */
    public void gemm(boolean transA, boolean transB, int M, int N, int K, float alpha,
                     CUdeviceptr A, DType aType, int lda, CUdeviceptr B, DType bType, int ldb,
                     float beta, CUdeviceptr C, DType cType, int ldc, Compute compute) {
        ColumnMajorGemm call = ColumnMajorGemm.fromRowMajor(transA, transB, M, N, K, lda, ldb, ldc);
        int computeType = computeType(aType, bType, compute);
        Operands ops = operands(call, A, aType, B, bType);
        int mark = profile == null ? -1 : profile.begin(profileName("gemm", transA, transB, M, N, K, aType, cType, 1));
        try {
            check("cublasGemmEx", () -> cublasGemmEx_new(handle, op(call.transFirst()), op(call.transSecond()),
                    call.m(), call.n(), call.k(), Pointer.to(new float[] {alpha}),
                    ops.first, ops.firstType.cuda, call.ldFirst(), ops.second, ops.secondType.cuda, call.ldSecond(),
                    Pointer.to(new float[] {beta}), C, cType.cuda, call.ldc(), computeType,
                    cublasGemmAlgo.CUBLAS_GEMM_DEFAULT));
        } finally {
            if (mark >= 0) {
                profile.end(mark);
            }
        }
    }

    /**
     * {@link #gemm} over {@code batch} independent problems, the i-th at element offsets
     * {@code i*strideA}, {@code i*strideB} and {@code i*strideC}.
     */
    public void gemmStridedBatched(boolean transA, boolean transB, int M, int N, int K, float alpha,
                                   CUdeviceptr A, DType aType, int lda, CUdeviceptr B, DType bType, int ldb,
                                   float beta, CUdeviceptr C, DType cType, int ldc, Compute compute,
                                   long strideA, long strideB, long strideC, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("gemmStridedBatched: batch=" + batch + " < 1");
        }
        ColumnMajorGemm call = ColumnMajorGemm.fromRowMajor(transA, transB, M, N, K, lda, ldb, ldc,
                strideA, strideB, strideC);
        int computeType = computeType(aType, bType, compute);
        Operands ops = operands(call, A, aType, B, bType);
        int mark = profile == null ? -1
                : profile.begin(profileName("gemm batched", transA, transB, M, N, K, aType, cType, batch));
        try {
            check("cublasGemmStridedBatchedEx", () -> cublasGemmStridedBatchedEx_new(handle, op(call.transFirst()),
                    op(call.transSecond()), call.m(), call.n(), call.k(), Pointer.to(new float[] {alpha}),
                    ops.first, ops.firstType.cuda, call.ldFirst(), call.strideFirst(),
                    ops.second, ops.secondType.cuda, call.ldSecond(), call.strideSecond(),
                    Pointer.to(new float[] {beta}), C, cType.cuda, call.ldc(), call.strideC(), batch, computeType,
                    cublasGemmAlgo.CUBLAS_GEMM_DEFAULT));
        } finally {
            if (mark >= 0) {
                profile.end(mark);
            }
        }
    }

    /** {@code gemm NT 16384x2304x768 bf16->f32}, with {@code x12} for a batch of 12. */
    static String profileName(String kind, boolean transA, boolean transB, int M, int N, int K, DType in, DType out,
                              int batch) {
        return kind + " " + (transA ? 'T' : 'N') + (transB ? 'T' : 'N') + " " + M + "x" + N + "x" + K + " "
                + in.name().toLowerCase(java.util.Locale.ROOT) + "->" + out.name().toLowerCase(java.util.Locale.ROOT)
                + (batch > 1 ? " x" + batch : "");
    }

    private record Operands(CUdeviceptr first, DType firstType, CUdeviceptr second, DType secondType) {
    }

    private static Operands operands(ColumnMajorGemm call, CUdeviceptr a, DType aType, CUdeviceptr b, DType bType) {
        return call.first() == ColumnMajorGemm.Operand.A
                ? new Operands(a, aType, b, bType)
                : new Operands(b, bType, a, aType);
    }

    static int computeType(DType aType, DType bType, Compute compute) {
        if (aType != bType) {
            throw new IllegalArgumentException("gemm: A is " + aType + " but B is " + bType + "; cuBLAS needs one type");
        }
        return aType == DType.BF16 ? cublasComputeType.CUBLAS_COMPUTE_32F : compute.cuda;
    }

    private static int op(boolean transpose) {
        return transpose ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
    }

    private static void check(String call, IntSupplier cublasCall) {
        int status;
        try {
            status = cublasCall.getAsInt();
        } catch (CudaException e) {
            throw new IllegalStateException(call + " failed: " + CudaDriver.firstLine(e.getMessage()), e);
        }
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new IllegalStateException(call + " failed: " + cublasStatus.stringFor(status));
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            gpu.makeCurrent();
            cublasDestroy(handle);
        }
    }
}
