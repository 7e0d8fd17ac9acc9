// Force-included (nvcc -include) when llmc-bench.sh builds karpathy/llm.c's train_gpt2.cu, so that
// llm.c's code compiles unchanged with CUDA 13. Ours, not llm.c's.
//
// CUDA 13 dropped the int-device form of cudaMemAdvise: the last argument is now a cudaMemLocation.
// llm.c's out-of-memory fallback (cudaMallocConditionallyManaged in llmc/cuda_utils.cuh) still
// passes cudaCpuDeviceId. This overload takes the old form and forwards to the new one. It is only
// reached when cudaMalloc fails, which GPT-2 124M at B <= 64 never does on an H200.
#pragma once
#include <cuda_runtime.h>

#if defined(CUDART_VERSION) && CUDART_VERSION >= 13000
static inline cudaError_t cudaMemAdvise(const void* ptr, size_t bytes, cudaMemoryAdvise advice, int device) {
    cudaMemLocation where;
    where.type = device == cudaCpuDeviceId ? cudaMemLocationTypeHost : cudaMemLocationTypeDevice;
    where.id = device == cudaCpuDeviceId ? 0 : device;
    return cudaMemAdvise(ptr, bytes, advice, where);
}
#endif
