// Which cuBLAS on a GPU machine computes? Run by train-check.sh before the Java checks, once per
// candidate library folder (LD_LIBRARY_PATH picks the libcublas.so.13 it loads): a 192 x 160 x 96
// float32 product through cublasGemmEx and cublasSgemm against a CPU product, with every status,
// the runtime's last error after the call and the synchronisation's error printed. Exit 0 when
// both products are right.
//
// Why it exists: on the first device run (2026-11-30) JCublas2 on /usr/local/cuda's cuBLAS 13.1
// returned CUBLAS_STATUS_SUCCESS from every product and wrote nothing (an 8192^3 product "took"
// 6 us), so the library must be checked outside Java before the Java checks trust it.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int check(const char* what, cublasStatus_t s) {
    cudaError_t launch = cudaGetLastError();
    cudaError_t sync = cudaDeviceSynchronize();
    printf("probe %-12s status=%d last_error=%s sync=%s\n", what, (int)s, cudaGetErrorName(launch),
           cudaGetErrorName(sync));
    return s == CUBLAS_STATUS_SUCCESS && launch == cudaSuccess && sync == cudaSuccess;
}

int main(void) {
    const int M = 192, N = 160, K = 96;  // column-major C[M,N] = A[M,K] B[K,N]
    float *a = (float*)malloc(sizeof(float) * M * K), *b = (float*)malloc(sizeof(float) * K * N);
    float *c = (float*)malloc(sizeof(float) * M * N), *ref = (float*)malloc(sizeof(float) * M * N);
    srand(7);
    for (int i = 0; i < M * K; i++) a[i] = (float)rand() / RAND_MAX - 0.5f;
    for (int i = 0; i < K * N; i++) b[i] = (float)rand() / RAND_MAX - 0.5f;
    for (int j = 0; j < N; j++)
        for (int i = 0; i < M; i++) {
            double s = 0;
            for (int k = 0; k < K; k++) s += (double)a[k * M + i] * b[j * K + k];
            ref[j * M + i] = (float)s;
        }
    float *da, *db, *dc;
    int version = 0;
    cublasHandle_t h;
    if (cudaMalloc(&da, sizeof(float) * M * K) || cudaMalloc(&db, sizeof(float) * K * N) ||
        cudaMalloc(&dc, sizeof(float) * M * N)) {
        printf("probe cudaMalloc failed: %s\n", cudaGetErrorName(cudaGetLastError()));
        return 2;
    }
    cudaMemcpy(da, a, sizeof(float) * M * K, cudaMemcpyHostToDevice);
    cudaMemcpy(db, b, sizeof(float) * K * N, cudaMemcpyHostToDevice);
    if (!check("create", cublasCreate(&h))) return 2;
    cublasGetVersion(h, &version);
    printf("probe cublas version %d\n", version);
    float alpha = 1.f, beta = 0.f;
    int ok = 1;
    for (int which = 0; which < 2; which++) {
        cudaMemset(dc, 0xff, sizeof(float) * M * N);  // NaN
        cublasStatus_t s = which == 0
            ? cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, &alpha, da, CUDA_R_32F, M, db, CUDA_R_32F, K,
                           &beta, dc, CUDA_R_32F, M, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT)
            : cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, &alpha, da, M, db, K, &beta, dc, M);
        int good = check(which == 0 ? "gemmEx" : "sgemm", s);
        cudaMemcpy(c, dc, sizeof(float) * M * N, cudaMemcpyDeviceToHost);
        double num = 0, den = 0;
        int nan = 0;
        for (int i = 0; i < M * N; i++) {
            if (c[i] != c[i]) nan++;
            num += (c[i] - ref[i]) * (double)(c[i] - ref[i]);
            den += (double)ref[i] * ref[i];
        }
        double err = sqrt(num / den);
        printf("probe %-12s rel_err=%.3e unwritten=%d\n", which == 0 ? "gemmEx" : "sgemm", err, nan);
        ok &= good && nan == 0 && err < 1e-5;
    }
    cublasDestroy(h);
    printf("probe result %s\n", ok ? "OK" : "BROKEN");
    return ok ? 0 : 1;
}
