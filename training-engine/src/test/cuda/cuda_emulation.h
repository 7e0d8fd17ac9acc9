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
inline EmuIndex gridDim;

#define FLASH_EMULATION 1

struct alignas(16) float4 { float x, y, z, w; };
struct alignas(8) float2 { float x, y; };
inline float2 make_float2(float a, float b) { return {a, b}; }
inline unsigned int __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
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
inline std::vector<double> exchange_double;
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

inline double __shfl_xor_sync(unsigned, double v, int offset) {
    int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
    emu::exchange_double[tid] = v;
    emu::warp_barriers[warp]->arrive_and_wait();
    double r = emu::exchange_double[warp * 32 + (lane ^ offset)];
    emu::warp_barriers[warp]->arrive_and_wait();
    return r;
}

// Device math as plain IEEE float operations (the _rn intrinsics: one correctly rounded
// operation each; build with -ffp-contract=off so the host compiler fuses nothing either).
inline float rsqrtf(float x) { return 1.f / std::sqrt(x); }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fsqrt_rn(float a) { return std::sqrt(a); }

// mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 for one warp, from the fragment layout of
// the PTX ISA ("Matrix Fragments for mma.m16n8k16 with floating point type"): every lane posts
// its fragments, each lane rebuilds A (16 x 16) and B (16 x 8) and computes its four outputs.
namespace emu {
struct MmaPost { unsigned a[4]; unsigned b[2]; };
inline std::vector<MmaPost> mma_posts;
inline float bf16_half(unsigned pair, int high) { return __uint_as_float((high ? pair >> 16 : pair & 0xffffu) << 16); }
}
inline void emulated_mma_m16n8k16_bf16(float d[4], const unsigned a[4], const unsigned b[2]) {
    int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
    emu::MmaPost& mine = emu::mma_posts[tid];
    for (int i = 0; i < 4; i++) mine.a[i] = a[i];
    for (int i = 0; i < 2; i++) mine.b[i] = b[i];
    emu::warp_barriers[warp]->arrive_and_wait();
    float A[16][16], Bm[16][8];
    for (int L = 0; L < 32; L++) {
        const emu::MmaPost& p = emu::mma_posts[warp * 32 + L];
        int g = L >> 2, c = L & 3;
        for (int e = 0; e < 2; e++) {
            A[g][2 * c + e] = emu::bf16_half(p.a[0], e);          // a0, a1
            A[g + 8][2 * c + e] = emu::bf16_half(p.a[1], e);      // a2, a3
            A[g][2 * c + 8 + e] = emu::bf16_half(p.a[2], e);      // a4, a5
            A[g + 8][2 * c + 8 + e] = emu::bf16_half(p.a[3], e);  // a6, a7
            Bm[2 * c + e][g] = emu::bf16_half(p.b[0], e);         // b0, b1
            Bm[2 * c + 8 + e][g] = emu::bf16_half(p.b[1], e);     // b2, b3
        }
    }
    int g = lane >> 2, c = lane & 3;
    for (int i = 0; i < 4; i++) {
        int row = i < 2 ? g : g + 8, col = 2 * c + (i & 1);
        float acc = d[i];
        for (int kk = 0; kk < 16; kk++) acc += A[row][kk] * Bm[kk][col];
        d[i] = acc;
    }
    emu::warp_barriers[warp]->arrive_and_wait();
}

inline int atomicMin(int* p, int v) { std::lock_guard<std::mutex> g(emu::atomics); int o = *p; *p = std::min(o, v); return o; }
inline int atomicMax(int* p, int v) { std::lock_guard<std::mutex> g(emu::atomics); int o = *p; *p = std::max(o, v); return o; }

// Runs grid blocks of `block` threads of f, one block at a time: the same `block` host threads
// serve every block, meeting at a barrier between blocks (so nothing of block b runs after block
// b + 1 has started, and a thread that returns early just waits there).
inline void emulate(int grid, int block, const std::function<void()>& f) {
    blockDim = {(unsigned)block, 1, 1};
    gridDim = {(unsigned)grid, 1, 1};
    std::barrier<> bar(block), between_blocks(block);
    emu::block_barrier = &bar;
    emu::warp_barriers.clear();
    for (int w = 0; w < block / 32; w++) emu::warp_barriers.push_back(std::make_unique<std::barrier<>>(32));
    emu::exchange.assign(block, 0.f);
    emu::exchange_double.assign(block, 0.0);
    emu::mma_posts.assign(block, {});
    std::vector<std::thread> threads;
    for (int t = 0; t < block; t++) {
        threads.emplace_back([&, t] {
            threadIdx = {(unsigned)t, 0, 0};
            for (int b = 0; b < grid; b++) {
                blockIdx = {(unsigned)b, 0, 0};
                f();
                between_blocks.arrive_and_wait();
            }
        });
    }
    for (auto& th : threads) th.join();
}
