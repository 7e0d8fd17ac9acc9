// Runs CUDA kernels on the CPU for logic checks without a GPU: every thread of a block is a
// std::thread, __syncthreads is a block barrier, warp shuffles go through a per-warp exchange
// with barriers, blocks run one after another (so a function-static "__shared__" variable is the
// block's shared memory). It checks indexing, masking and barrier structure (a barrier some
// threads skip hangs), not the memory model, alignment, speed or register use.
#pragma once
#include <barrier>
#include <climits>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>
#include <algorithm>

struct EmuIndex { unsigned x, y, z; };
inline thread_local EmuIndex threadIdx;
inline thread_local EmuIndex blockIdx;
inline EmuIndex blockDim;

struct alignas(16) float4 { float x, y, z, w; };
struct alignas(16) uint4 { unsigned int x, y, z, w; };
inline float4 make_float4(float a, float b, float c, float d) { return {a, b, c, d}; }
inline uint4 make_uint4(unsigned a, unsigned b, unsigned c, unsigned d) { return {a, b, c, d}; }
inline float __uint_as_float(unsigned int u) { float f; std::memcpy(&f, &u, 4); return f; }
using std::min;
using std::max;

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static

namespace emu {
inline std::barrier<>* block_barrier;
inline std::vector<std::unique_ptr<std::barrier<>>> warp_barriers;
inline std::vector<float> exchange;
inline std::mutex atomics;
}

inline void __syncthreads() { emu::block_barrier->arrive_and_wait(); }

inline float __shfl_xor_sync(unsigned, float v, int offset) {
    int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
    emu::exchange[tid] = v;
    emu::warp_barriers[warp]->arrive_and_wait();
    float r = emu::exchange[warp * 32 + (lane ^ offset)];
    emu::warp_barriers[warp]->arrive_and_wait();
    return r;
}

inline int atomicMin(int* p, int v) { std::lock_guard<std::mutex> g(emu::atomics); int o = *p; *p = std::min(o, v); return o; }
inline int atomicMax(int* p, int v) { std::lock_guard<std::mutex> g(emu::atomics); int o = *p; *p = std::max(o, v); return o; }

// Runs grid blocks of `block` threads of f, one block at a time.
inline void emulate(int grid, int block, const std::function<void()>& f) {
    blockDim = {(unsigned)block, 1, 1};
    for (int b = 0; b < grid; b++) {
        std::barrier<> bar(block);
        emu::block_barrier = &bar;
        emu::warp_barriers.clear();
        for (int w = 0; w < block / 32; w++) emu::warp_barriers.push_back(std::make_unique<std::barrier<>>(32));
        emu::exchange.assign(block, 0.f);
        std::vector<std::thread> threads;
        for (int t = 0; t < block; t++) {
            threads.emplace_back([&, t, b] {
                threadIdx = {(unsigned)t, 0, 0};
                blockIdx = {(unsigned)b, 0, 0};
                f();
            });
        }
        for (auto& th : threads) th.join();
    }
}
