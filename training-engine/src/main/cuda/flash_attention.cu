// Fused causal attention with document masks ("flash attention"), forward and backward, without
// materialising the [B, NH, T, T] score matrix.
//
// Naming key: B batch rows, T positions, NH heads, HS head size. q, k, v are per head
// [B, NH, T, HS] row-major (k and v already repeated for grouped-query heads), of the product
// type P: float32, or bfloat16 stored as unsigned short (the top 16 bits of a float32). Outputs
// and gradients are float32. seq_start is int [B * T]: key t' is visible to query t iff
// 0 <= seq_start[b*T+t] <= t' <= t (causal within packed sequences). A row with no visible key
// (seq_start < 0 marks padding; seq_start > t is treated the same) gets y = 0, lse = 0 and zero
// gradients. scale (1/sqrt(HS)) multiplies q.k. Every pointer must be 16-byte aligned
// (cuMemAlloc's are; a slice that starts at a row of HS % 8 == 0 elements keeps it).
//
// Algorithm (Dao et al., FlashAttention-2): the forward walks the key tiles of one 64-query tile
// with an online softmax (running max m and sum l per row) and writes y and the natural-log
// log-sum-exp lse of the scaled scores. The backward recomputes P = exp(scale*q.k - lse) from
// lse, and needs delta = rowsum(dy * y) (= rowsum(P * dP)):
//   dS = P * (dP - delta),  dP = dy v^T,  dv = P^T dy,  dk = scale * dS^T q,  dq = scale * dS k.
// It is split so that every gradient element is summed by exactly one thread in a fixed order
// (no atomics, bitwise deterministic): one kernel per 64-key tile accumulating dk and dv over the
// query tiles, one kernel per 64-query tile accumulating dq over the key tiles.
//
// Entries (P = _f32 | _bf16), all with 256 threads per block, tiles of 64 queries x 64 keys,
// one block per (tile, batch row, head) flattened into a 1-D grid of ceil(T/64) * B * NH blocks,
// the heaviest tiles first; dynamic shared memory (floats, row stride HS + 4):
//   flash_attention_forward_P(q, k, v, seq_start, y, lse, B, NH, T, HS, scale)
//       shared: 3 * 64 * (HS + 4) + 64 * 68 floats (HS 64: 69,632 B; HS 128: 118,784 B)
//   flash_attention_backward_delta_P(dy, y, delta, rows = B*NH*T, HS)
//       one warp per row: grid ceil(rows / 8), 256 threads, no shared memory
//   flash_attention_backward_dkdv_P(q, k, v, dy, lse, delta, seq_start, dk, dv, B, NH, T, HS, scale)
//       shared: 4 * 64 * (HS + 4) + 2 * 64 * 68 floats (HS 64: 104,448 B; HS 128: 169,984 B)
//   flash_attention_backward_dq_P(q, k, v, dy, lse, delta, seq_start, dq, B, NH, T, HS, scale)
//       shared: 4 * 64 * (HS + 4) + 64 * 68 floats (HS 64: 87,040 B; HS 128: 152,576 B)
// Backward launch order: delta, then dkdv and dq (independent of each other). Shared memory above
// 48 KB needs the opt-in attribute (FlashAttention.java sets it); Hopper allows 227 KB per block.
//
// What was chosen, and the expected speed. Two kernel families share the tiling, masks, tile
// skipping and launch order:
// - CUDA cores (every precision, HS a multiple of 8 up to 128): operands converted to float32 in
//   shared memory, each thread holding a 4 x 4 block of the 64 x 64 score tile and a 4 x 4
//   (HS <= 64) or 4 x 8 (HS <= 128) block of the output, float4 shared-memory reads laid out
//   conflict-free (row stride HS + 4). Simple enough to be right first time; it runs on the
//   float32 FMA units (about 60 TFLOP/s peak on an H200; perhaps 10-20 reached), so for bf16 at
//   T = 1024 it is expected to be SLOWER than the materialised cuBLAS path (a few ms against
//   about 1 ms for the B=16, NH=12 forward), while using O(T) instead of O(T^2) memory.
// - Tensor cores (bf16, HS 64 or 128, sm_80+, so only in the sm_90 PTX; entries with the
//   suffix _tc, below): mma.sync m16n8k16 for both products of each tile, 4 warps of 16 rows
//   each, P and dS split into two bf16 parts (accuracy of float32 products). Expected well above the CUDA-core kernels (tens
//   to a few hundred TFLOP/s), and faster than the materialised path at T = 1024.
// Neither has been run on a GPU by its author (no device here): FlashAttentionCheck is the
// device check, src/test/cuda/emulate_flash_attention.sh runs both on the CPU.

#include <climits>

typedef unsigned short bf16;

namespace {

constexpr int TILE = 64;               // queries per query tile and keys per key tile
constexpr int THREADS = 256;           // thread (ty, tx) = (tid / 16, tid % 16)
constexpr int SCORE_STRIDE = TILE + 4; // row stride of a 64 x 64 tile of probabilities in shared memory
constexpr float LOG2E = 1.4426950408889634f;
constexpr float LN2 = 0.6931471805599453f;

__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ float to_float(bf16 x) { return __uint_as_float(((unsigned int)x) << 16); }
__device__ __forceinline__ float bf16_low(unsigned int pair) { return __uint_as_float(pair << 16); }
__device__ __forceinline__ float bf16_high(unsigned int pair) { return __uint_as_float(pair & 0xffff0000u); }

// Copies rows [row0, row0 + 64) of one head's [T, HS] matrix into a shared tile of row stride
// HS + 4 as float32; rows at or past T are zero (their products are masked, and 0 * 0 keeps
// them out of the sums without NaN from stale shared memory).
__device__ __forceinline__ void load_tile(float* dst, const float* __restrict__ src, int row0, int T, int HS) {
    const int vecs = HS / 4;
    for (int idx = threadIdx.x; idx < TILE * vecs; idx += THREADS) {
        int r = idx / vecs, c = idx - r * vecs;
        float4 x = make_float4(0.f, 0.f, 0.f, 0.f);
        if (row0 + r < T) x = *reinterpret_cast<const float4*>(src + (size_t)(row0 + r) * HS + c * 4);
        *reinterpret_cast<float4*>(dst + r * (HS + 4) + c * 4) = x;
    }
}

__device__ __forceinline__ void load_tile(float* dst, const bf16* __restrict__ src, int row0, int T, int HS) {
    const int vecs = HS / 8;  // 8 bfloat16 = 16 bytes per load
    for (int idx = threadIdx.x; idx < TILE * vecs; idx += THREADS) {
        int r = idx / vecs, c = idx - r * vecs;
        uint4 u = make_uint4(0u, 0u, 0u, 0u);
        if (row0 + r < T) u = *reinterpret_cast<const uint4*>(src + (size_t)(row0 + r) * HS + c * 8);
        float* d = dst + r * (HS + 4) + c * 8;
        *reinterpret_cast<float4*>(d) = make_float4(bf16_low(u.x), bf16_high(u.x), bf16_low(u.y), bf16_high(u.y));
        *reinterpret_cast<float4*>(d + 4) = make_float4(bf16_low(u.z), bf16_high(u.z), bf16_low(u.w), bf16_high(u.w));
    }
}

// Reductions over the 16 threads of one tile row (tx = 0..15: half a warp).
__device__ __forceinline__ float row_max(float x) {
    for (int o = 8; o > 0; o >>= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, o));
    return x;
}
__device__ __forceinline__ float row_sum(float x) {
    for (int o = 8; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
    return x;
}

// s[i][j] = sum_d A[ty + 16i][d] * Bm[tx + 16j][d] over two 64-row tiles of stride HS + 4.
// In a warp the A reads are two broadcast addresses and the Bm reads 16 rows whose 16-byte
// chunks fall in distinct banks (stride = 4 mod 8 floats).
__device__ __forceinline__ void tile_dot(const float* A, const float* Bm, int HS, float s[4][4]) {
    const int ty = threadIdx.x / 16, tx = threadIdx.x % 16, stride = HS + 4;
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) s[i][j] = 0.f;
#pragma unroll 2
    for (int d = 0; d < HS; d += 4) {
        float4 a[4], b[4];
#pragma unroll
        for (int i = 0; i < 4; i++) a[i] = *reinterpret_cast<const float4*>(A + (ty + 16 * i) * stride + d);
#pragma unroll
        for (int j = 0; j < 4; j++) b[j] = *reinterpret_cast<const float4*>(Bm + (tx + 16 * j) * stride + d);
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int j = 0; j < 4; j++) {
                float x = s[i][j];
                x = fmaf(a[i].x, b[j].x, x);
                x = fmaf(a[i].y, b[j].y, x);
                x = fmaf(a[i].z, b[j].z, x);
                x = fmaf(a[i].w, b[j].w, x);
                s[i][j] = x;
            }
    }
}

// acc[i][j][c] += sum_{r < 64} Pm[ty + 16i][r] * V[r][4 * (tx + 16j) + c] for the column groups
// tx + 16j < HS / 4: Pm a 64 x 64 tile of stride SCORE_STRIDE, V a 64-row tile of stride HS + 4.
template <int J>
__device__ __forceinline__ void tile_accumulate(const float* Pm, const float* V, int HS, float acc[4][J][4]) {
    const int ty = threadIdx.x / 16, tx = threadIdx.x % 16, stride = HS + 4, groups = HS / 4;
#pragma unroll 2
    for (int r = 0; r < TILE; r += 4) {
        float p[4][4];
#pragma unroll
        for (int i = 0; i < 4; i++) {
            float4 x = *reinterpret_cast<const float4*>(Pm + (ty + 16 * i) * SCORE_STRIDE + r);
            p[i][0] = x.x;
            p[i][1] = x.y;
            p[i][2] = x.z;
            p[i][3] = x.w;
        }
#pragma unroll
        for (int j = 0; j < J; j++) {
            const int g = tx + 16 * j;
            if (g < groups) {
#pragma unroll
                for (int u = 0; u < 4; u++) {
                    float4 v = *reinterpret_cast<const float4*>(V + (r + u) * stride + 4 * g);
#pragma unroll
                    for (int i = 0; i < 4; i++) {
                        acc[i][j][0] = fmaf(p[i][u], v.x, acc[i][j][0]);
                        acc[i][j][1] = fmaf(p[i][u], v.y, acc[i][j][1]);
                        acc[i][j][2] = fmaf(p[i][u], v.z, acc[i][j][2]);
                        acc[i][j][3] = fmaf(p[i][u], v.w, acc[i][j][3]);
                    }
                }
            }
        }
    }
}

// The first key of query t, or -1 when t sees no key (padding, past T, or a start after t).
__device__ __forceinline__ int visible_start(const int* __restrict__ starts, int t, int T) {
    if (t >= T) return -1;
    int s = starts[t];
    return (s >= 0 && s <= t) ? s : -1;
}

// Over the 64 rows of the query tile at q0, the smallest first key and the largest row that see
// any key (range[1] = -1 when none does). Every thread must call it; it ends with a barrier.
__device__ __forceinline__ void query_tile_range(const int* __restrict__ starts, int q0, int T, int* range) {
    if (threadIdx.x == 0) {
        range[0] = INT_MAX;
        range[1] = -1;
    }
    __syncthreads();
    if (threadIdx.x < TILE) {
        int s = visible_start(starts, q0 + threadIdx.x, T);
        if (s >= 0) {
            atomicMin(&range[0], s);
            atomicMax(&range[1], q0 + (int)threadIdx.x);
        }
    }
    __syncthreads();
}

extern __shared__ float4 dynamic_shared[];

template <typename P, int J>
__device__ void forward(const P* __restrict__ q, const P* __restrict__ k, const P* __restrict__ v,
                        const int* __restrict__ seq_start, float* __restrict__ y, float* __restrict__ lse,
                        int B, int NH, int T, int HS, float scale) {
    __shared__ int range[2];
    const int stride = HS + 4;
    float* Qs = reinterpret_cast<float*>(dynamic_shared);
    float* Ks = Qs + TILE * stride;
    float* Vs = Ks + TILE * stride;
    float* Ps = Vs + TILE * stride;  // [64 queries][SCORE_STRIDE]

    const int tiles = (T + TILE - 1) / TILE;
    const int BH = B * NH;
    const int bh = blockIdx.x % BH;
    const int qt = tiles - 1 - (int)(blockIdx.x / BH);  // late query tiles see the most keys: first
    const int b = bh / NH;
    const int q0 = qt * TILE;
    const size_t head = (size_t)bh * T * HS;
    const int* starts = seq_start + (size_t)b * T;
    const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;

    int start[4];
#pragma unroll
    for (int i = 0; i < 4; i++) start[i] = visible_start(starts, q0 + ty + 16 * i, T);
    query_tile_range(starts, q0, T, range);
    const bool any = range[1] >= 0;
    const int kt_first = any ? range[0] / TILE : 0;
    const int kt_last = any ? range[1] / TILE : -1;

    load_tile(Qs, q + head, q0, T, HS);
    const float scale2 = scale * LOG2E;  // scores in log2 units: exp(x) = exp2(x * log2 e)
    float m[4], l[4], o[4][J][4];
#pragma unroll
    for (int i = 0; i < 4; i++) {
        m[i] = -INFINITY;
        l[i] = 0.f;
#pragma unroll
        for (int j = 0; j < J; j++)
#pragma unroll
            for (int c = 0; c < 4; c++) o[i][j][c] = 0.f;
    }

    for (int kt = kt_first; kt <= kt_last; kt++) {
        const int k0 = kt * TILE;
        load_tile(Ks, k + head, k0, T, HS);
        load_tile(Vs, v + head, k0, T, HS);
        __syncthreads();  // Qs (first pass), Ks, Vs written
        float s[4][4];
        tile_dot(Qs, Ks, HS, s);
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const int t = q0 + ty + 16 * i;
            float mx = -INFINITY;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                const int key = k0 + tx + 16 * j;
                const bool visible = start[i] >= 0 && key >= start[i] && key <= t;
                s[i][j] = visible ? s[i][j] * scale2 : -INFINITY;
                mx = fmaxf(mx, s[i][j]);
            }
            mx = row_max(mx);
            const float m_new = fmaxf(m[i], mx);
            const float m_use = m_new == -INFINITY ? 0.f : m_new;  // no key seen yet: avoid -inf - -inf
            const float alpha = exp2f(m[i] - m_use);                // 0 while m[i] = -inf
            float rs = 0.f;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                const float p = exp2f(s[i][j] - m_use);  // masked: exp2(-inf) = 0
                Ps[(ty + 16 * i) * SCORE_STRIDE + tx + 16 * j] = p;
                rs += p;
            }
            rs = row_sum(rs);
            l[i] = l[i] * alpha + rs;
            m[i] = m_new;
#pragma unroll
            for (int j = 0; j < J; j++)
#pragma unroll
                for (int c = 0; c < 4; c++) o[i][j][c] *= alpha;
        }
        __syncthreads();  // Ps complete
        tile_accumulate<J>(Ps, Vs, HS, o);
        __syncthreads();  // Ks, Vs, Ps free for the next tile
    }

    const int groups = HS / 4;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int t = q0 + ty + 16 * i;
        if (t >= T) continue;
        const bool seen = start[i] >= 0;  // then l >= 1: key t itself is visible
        const float inv = seen ? 1.f / l[i] : 0.f;
#pragma unroll
        for (int j = 0; j < J; j++) {
            const int g = tx + 16 * j;
            if (g < groups) {
                *reinterpret_cast<float4*>(y + head + (size_t)t * HS + 4 * g) =
                    make_float4(o[i][j][0] * inv, o[i][j][1] * inv, o[i][j][2] * inv, o[i][j][3] * inv);
            }
        }
        if (tx == 0) lse[(size_t)bh * T + t] = seen ? (m[i] + log2f(l[i])) * LN2 : 0.f;
    }
}

template <typename P>
__device__ void backward_delta(const P* __restrict__ dy, const float* __restrict__ y, float* __restrict__ delta,
                               int rows, int HS) {
    const int row = blockIdx.x * (THREADS / 32) + threadIdx.x / 32;
    const int lane = threadIdx.x % 32;
    if (row >= rows) return;  // whole warps leave together; no barrier follows
    float acc = 0.f;
    for (int d = lane; d < HS; d += 32) acc = fmaf(to_float(dy[(size_t)row * HS + d]), y[(size_t)row * HS + d], acc);
    for (int o = 16; o > 0; o >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, o);
    if (lane == 0) delta[row] = acc;
}

template <typename P, int J>
__device__ void backward_dkdv(const P* __restrict__ q, const P* __restrict__ k, const P* __restrict__ v,
                              const P* __restrict__ dy, const float* __restrict__ lse,
                              const float* __restrict__ delta, const int* __restrict__ seq_start,
                              float* __restrict__ dk, float* __restrict__ dv, int B, int NH, int T, int HS,
                              float scale) {
    __shared__ int range[2];
    __shared__ int row_start[TILE];
    __shared__ float row_lse[TILE];
    __shared__ float row_delta[TILE];
    const int stride = HS + 4;
    float* Ks = reinterpret_cast<float*>(dynamic_shared);
    float* Vs = Ks + TILE * stride;
    float* Qs = Vs + TILE * stride;
    float* dYs = Qs + TILE * stride;
    float* Pt = dYs + TILE * stride;       // [64 keys][SCORE_STRIDE]: P transposed
    float* dSt = Pt + TILE * SCORE_STRIDE;  // [64 keys][SCORE_STRIDE]: dS transposed

    const int tiles = (T + TILE - 1) / TILE;
    const int BH = B * NH;
    const int bh = blockIdx.x % BH;
    const int kt = (int)(blockIdx.x / BH);  // early key tiles are seen by the most queries: first
    const int b = bh / NH;
    const int k0 = kt * TILE;
    const int k_last = min(k0 + TILE, T) - 1;
    const size_t head = (size_t)bh * T * HS;
    const int* starts = seq_start + (size_t)b * T;
    const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;
    const float scale2 = scale * LOG2E;

    load_tile(Ks, k + head, k0, T, HS);
    load_tile(Vs, v + head, k0, T, HS);
    float dk_acc[4][J][4], dv_acc[4][J][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < J; j++)
#pragma unroll
            for (int c = 0; c < 4; c++) dk_acc[i][j][c] = dv_acc[i][j][c] = 0.f;

    // Queries t >= k0 only (causal); a query tile is skipped when none of its rows sees a key of
    // this tile (all rows start their sequence after k_last, or none sees anything).
    for (int qt = kt; qt < tiles; qt++) {
        const int q0 = qt * TILE;
        __syncthreads();  // the previous tile's readers of Qs, dYs, Pt, dSt, row_* and range are done
        if (threadIdx.x < TILE) {
            const int t = q0 + threadIdx.x;
            row_start[threadIdx.x] = visible_start(starts, t, T);
            row_lse[threadIdx.x] = t < T ? lse[(size_t)bh * T + t] : 0.f;
            row_delta[threadIdx.x] = t < T ? delta[(size_t)bh * T + t] : 0.f;
        }
        query_tile_range(starts, q0, T, range);  // ends with a barrier: row_* visible too
        if (range[1] < k0 || range[0] > k_last) continue;  // uniform: every thread reads the same range

        load_tile(Qs, q + head, q0, T, HS);
        load_tile(dYs, dy + head, q0, T, HS);
        __syncthreads();  // Qs, dYs (and on the first pass Ks, Vs) written
        float s[4][4], dp[4][4];
        tile_dot(Qs, Ks, HS, s);
        tile_dot(dYs, Vs, HS, dp);
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const int r = ty + 16 * i;
            const int t = q0 + r;
            const int st = row_start[r];
#pragma unroll
            for (int j = 0; j < 4; j++) {
                const int c = tx + 16 * j;
                const int key = k0 + c;
                const bool visible = st >= 0 && key >= st && key <= t;
                const float p = visible ? exp2f(fmaf(s[i][j], scale2, -row_lse[r] * LOG2E)) : 0.f;
                const float ds = visible ? p * (dp[i][j] - row_delta[r]) : 0.f;
                Pt[c * SCORE_STRIDE + r] = p;
                dSt[c * SCORE_STRIDE + r] = ds;
            }
        }
        __syncthreads();  // Pt, dSt complete
        tile_accumulate<J>(Pt, dYs, HS, dv_acc);   // dv[key] += sum_q P[q][key] dy[q]
        tile_accumulate<J>(dSt, Qs, HS, dk_acc);   // dk[key] += sum_q dS[q][key] q[q]
    }

    const int groups = HS / 4;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int key = k0 + ty + 16 * i;
        if (key >= T) continue;
#pragma unroll
        for (int j = 0; j < J; j++) {
            const int g = tx + 16 * j;
            if (g < groups) {
                const size_t at = head + (size_t)key * HS + 4 * g;
                *reinterpret_cast<float4*>(dk + at) = make_float4(dk_acc[i][j][0] * scale, dk_acc[i][j][1] * scale,
                                                                  dk_acc[i][j][2] * scale, dk_acc[i][j][3] * scale);
                *reinterpret_cast<float4*>(dv + at) =
                    make_float4(dv_acc[i][j][0], dv_acc[i][j][1], dv_acc[i][j][2], dv_acc[i][j][3]);
            }
        }
    }
}

template <typename P, int J>
__device__ void backward_dq(const P* __restrict__ q, const P* __restrict__ k, const P* __restrict__ v,
                            const P* __restrict__ dy, const float* __restrict__ lse, const float* __restrict__ delta,
                            const int* __restrict__ seq_start, float* __restrict__ dq, int B, int NH, int T, int HS,
                            float scale) {
    __shared__ int range[2];
    const int stride = HS + 4;
    float* Qs = reinterpret_cast<float*>(dynamic_shared);
    float* dYs = Qs + TILE * stride;
    float* Ks = dYs + TILE * stride;
    float* Vs = Ks + TILE * stride;
    float* dSs = Vs + TILE * stride;  // [64 queries][SCORE_STRIDE]

    const int tiles = (T + TILE - 1) / TILE;
    const int BH = B * NH;
    const int bh = blockIdx.x % BH;
    const int qt = tiles - 1 - (int)(blockIdx.x / BH);
    const int b = bh / NH;
    const int q0 = qt * TILE;
    const size_t head = (size_t)bh * T * HS;
    const int* starts = seq_start + (size_t)b * T;
    const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;
    const float scale2 = scale * LOG2E;

    int start[4];
    float row_lse2[4], row_delta[4];
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int t = q0 + ty + 16 * i;
        start[i] = visible_start(starts, t, T);
        row_lse2[i] = t < T ? lse[(size_t)bh * T + t] * LOG2E : 0.f;
        row_delta[i] = t < T ? delta[(size_t)bh * T + t] : 0.f;
    }
    query_tile_range(starts, q0, T, range);
    const bool any = range[1] >= 0;
    const int kt_first = any ? range[0] / TILE : 0;
    const int kt_last = any ? range[1] / TILE : -1;

    load_tile(Qs, q + head, q0, T, HS);
    load_tile(dYs, dy + head, q0, T, HS);
    float dq_acc[4][J][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < J; j++)
#pragma unroll
            for (int c = 0; c < 4; c++) dq_acc[i][j][c] = 0.f;

    for (int kt = kt_first; kt <= kt_last; kt++) {
        const int k0 = kt * TILE;
        load_tile(Ks, k + head, k0, T, HS);
        load_tile(Vs, v + head, k0, T, HS);
        __syncthreads();  // Qs, dYs (first pass), Ks, Vs written
        float s[4][4], dp[4][4];
        tile_dot(Qs, Ks, HS, s);
        tile_dot(dYs, Vs, HS, dp);
#pragma unroll
        for (int i = 0; i < 4; i++) {
            const int t = q0 + ty + 16 * i;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                const int key = k0 + tx + 16 * j;
                const bool visible = start[i] >= 0 && key >= start[i] && key <= t;
                const float p = visible ? exp2f(fmaf(s[i][j], scale2, -row_lse2[i])) : 0.f;
                dSs[(ty + 16 * i) * SCORE_STRIDE + tx + 16 * j] = visible ? p * (dp[i][j] - row_delta[i]) : 0.f;
            }
        }
        __syncthreads();  // dSs complete
        tile_accumulate<J>(dSs, Ks, HS, dq_acc);  // dq[q] += sum_key dS[q][key] k[key]
        __syncthreads();  // Ks, Vs, dSs free for the next tile
    }

    const int groups = HS / 4;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int t = q0 + ty + 16 * i;
        if (t >= T) continue;
#pragma unroll
        for (int j = 0; j < J; j++) {
            const int g = tx + 16 * j;
            if (g < groups) {
                *reinterpret_cast<float4*>(dq + head + (size_t)t * HS + 4 * g) = make_float4(
                    dq_acc[i][j][0] * scale, dq_acc[i][j][1] * scale, dq_acc[i][j][2] * scale, dq_acc[i][j][3] * scale);
            }
        }
    }
}


// ---------------------------------------------------------------------------------------------
// Tensor-core variant (bfloat16 inputs, HS 64 or 128, sm_80 and newer): the same tiles,
// masks, skipping and launch order, with both products of each tile on mma.sync m16n8k16 (bf16
// operands, float32 accumulation). 128 threads = 4 warps per block; warp w owns rows
// 16w..16w+15 of the block's 64-row tile (queries for the forward and dq, keys for dk/dv). The
// probabilities and dS go into the second product straight from the accumulators (the
// accumulator layout of one n8 pair is the A layout of one k16 step), each split into a bf16 high
// part and a bf16 remainder so that the product keeps float32-like accuracy (two mma instead of
// one; rounding P to bf16 alone would cost about 1e-3 relative error in y).
// Fragment layout (PTX ISA, "Matrix Fragments for mma.m16n8k16 with floating point type"), with
// g = lane / 4 and c = lane % 4: A regs {(g, 2c), (g+8, 2c), (g, 2c+8), (g+8, 2c+8)} each holding
// columns +0, +1; B regs {(k 2c, n g), (k 2c+8, n g)} each holding rows k +0, +1; C/D
// {(g, 2c), (g, 2c+1), (g+8, 2c), (g+8, 2c+1)}. Shared tiles are bf16 with row stride HS + 8
// (32-bit fragment loads fall in distinct banks).

#if defined(FLASH_EMULATION) || __CUDA_ARCH__ >= 800

constexpr int TC_THREADS = 128;

__device__ __forceinline__ void mma_bf16(float d[4], const unsigned a[4], const unsigned b[2]) {
#if defined(FLASH_EMULATION)
    emulated_mma_m16n8k16_bf16(d, a, b);  // test hook: src/test/cuda/cuda_emulation.h
#else
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}

__device__ __forceinline__ bf16 round_bf16(float x) {  // round to nearest even (x is finite here)
    unsigned int u = __float_as_uint(x);
    return (bf16)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
__device__ __forceinline__ unsigned pack_pair(bf16 low, bf16 high) { return (unsigned)low | ((unsigned)high << 16); }
__device__ __forceinline__ unsigned pair_at(const bf16* p) { return *reinterpret_cast<const unsigned*>(p); }

// x0, x1 (adjacent columns) as a bf16 pair hi and the pair of what hi missed, lo: hi + lo = x to ~2^-16.
__device__ __forceinline__ void split_pair(float x0, float x1, unsigned& hi, unsigned& lo) {
    const bf16 h0 = round_bf16(x0), h1 = round_bf16(x1);
    hi = pack_pair(h0, h1);
    lo = pack_pair(round_bf16(x0 - to_float(h0)), round_bf16(x1 - to_float(h1)));
}

// Copies rows [row0, row0 + 64) of one head's bf16 [T, HS] matrix into a shared tile of row
// stride HS + 8; rows at or past T are zero.
__device__ __forceinline__ void load_tile_bf16(bf16* dst, const bf16* __restrict__ src, int row0, int T, int HS) {
    const int vecs = HS / 8;
    for (int idx = threadIdx.x; idx < TILE * vecs; idx += TC_THREADS) {
        int r = idx / vecs, c = idx - r * vecs;
        uint4 u = make_uint4(0u, 0u, 0u, 0u);
        if (row0 + r < T) u = *reinterpret_cast<const uint4*>(src + (size_t)(row0 + r) * HS + c * 8);
        *reinterpret_cast<uint4*>(dst + r * (HS + 8) + c * 8) = u;
    }
}

// A fragment of the 16 x 16 block at (row0, col0) of a row-major shared tile.
__device__ __forceinline__ void load_a(const bf16* M, int stride, int row0, int col0, unsigned a[4]) {
    const int lane = threadIdx.x % 32, g = lane >> 2, c = lane & 3;
    a[0] = pair_at(M + (row0 + g) * stride + col0 + 2 * c);
    a[1] = pair_at(M + (row0 + g + 8) * stride + col0 + 2 * c);
    a[2] = pair_at(M + (row0 + g) * stride + col0 + 8 + 2 * c);
    a[3] = pair_at(M + (row0 + g + 8) * stride + col0 + 8 + 2 * c);
}

// B fragment with B[k][n] = M[n0 + n][k0 + k]: the product with the tile's rows as B's columns.
__device__ __forceinline__ void load_b_rows(const bf16* M, int stride, int n0, int k0, unsigned b[2]) {
    const int lane = threadIdx.x % 32, g = lane >> 2, c = lane & 3;
    b[0] = pair_at(M + (n0 + g) * stride + k0 + 2 * c);
    b[1] = pair_at(M + (n0 + g) * stride + k0 + 8 + 2 * c);
}

// B fragment with B[k][n] = M[k0 + k][n0 + n]: the tile itself as B.
__device__ __forceinline__ void load_b_cols(const bf16* M, int stride, int k0, int n0, unsigned b[2]) {
    const int lane = threadIdx.x % 32, g = lane >> 2, c = lane & 3;
    b[0] = pack_pair(M[(k0 + 2 * c) * stride + n0 + g], M[(k0 + 2 * c + 1) * stride + n0 + g]);
    b[1] = pack_pair(M[(k0 + 2 * c + 8) * stride + n0 + g], M[(k0 + 2 * c + 9) * stride + n0 + g]);
}

// acc[8][4] (a warp's 16 x 64 accumulator: n8 blocks of columns) times the 64-row tile M:
// out[16 x HS] += acc . M[64 x HS], acc split into bf16 high and low parts.
template <int HS>
__device__ __forceinline__ void accumulate_product(const float acc[8][4], const bf16* M, float out[HS / 8][4]) {
    constexpr int stride = HS + 8;
#pragma unroll
    for (int kk = 0; kk < 4; kk++) {
        unsigned hi[4], lo[4];
        split_pair(acc[2 * kk][0], acc[2 * kk][1], hi[0], lo[0]);          // row g,   columns 16kk + 2c
        split_pair(acc[2 * kk][2], acc[2 * kk][3], hi[1], lo[1]);          // row g+8, columns 16kk + 2c
        split_pair(acc[2 * kk + 1][0], acc[2 * kk + 1][1], hi[2], lo[2]);  // row g,   columns 16kk + 8 + 2c
        split_pair(acc[2 * kk + 1][2], acc[2 * kk + 1][3], hi[3], lo[3]);  // row g+8, columns 16kk + 8 + 2c
#pragma unroll
        for (int nd = 0; nd < HS / 8; nd++) {
            unsigned b[2];
            load_b_cols(M, stride, 16 * kk, 8 * nd, b);
            mma_bf16(out[nd], hi, b);
            mma_bf16(out[nd], lo, b);
        }
    }
}

// acc[nb] (n8 block nb of a warp's 16 x 64 result) = A[rows row0.., HS] . Bm[64 rows, HS]^T.
template <int HS>
__device__ __forceinline__ void tile_product_tc(const bf16* A, const bf16* Bm, int row0, float acc[8][4]) {
    constexpr int stride = HS + 8;
#pragma unroll
    for (int nb = 0; nb < 8; nb++)
#pragma unroll
        for (int e = 0; e < 4; e++) acc[nb][e] = 0.f;
#pragma unroll
    for (int ks = 0; ks < HS / 16; ks++) {
        unsigned a[4];
        load_a(A, stride, row0, 16 * ks, a);
#pragma unroll
        for (int nb = 0; nb < 8; nb++) {
            unsigned b[2];
            load_b_rows(Bm, stride, 8 * nb, 16 * ks, b);
            mma_bf16(acc[nb], a, b);
        }
    }
}

template <int HS>
__device__ void forward_tc(const bf16* __restrict__ q, const bf16* __restrict__ k, const bf16* __restrict__ v,
                           const int* __restrict__ seq_start, float* __restrict__ y, float* __restrict__ lse, int B,
                           int NH, int T, float scale) {
    __shared__ int range[2];
    constexpr int stride = HS + 8;
    bf16* Qs = reinterpret_cast<bf16*>(dynamic_shared);
    bf16* Ks = Qs + TILE * stride;
    bf16* Vs = Ks + TILE * stride;

    const int tiles = (T + TILE - 1) / TILE;
    const int BH = B * NH;
    const int bh = blockIdx.x % BH;
    const int qt = tiles - 1 - (int)(blockIdx.x / BH);
    const int b = bh / NH;
    const int q0 = qt * TILE;
    const size_t head = (size_t)bh * T * HS;
    const int* starts = seq_start + (size_t)b * T;
    const int lane = threadIdx.x % 32, g = lane >> 2, c = lane & 3;
    const int r0 = 16 * (threadIdx.x / 32);  // this warp's rows: r0 + g (h = 0) and r0 + g + 8 (h = 1)

    int start[2];
#pragma unroll
    for (int h = 0; h < 2; h++) start[h] = visible_start(starts, q0 + r0 + g + 8 * h, T);
    query_tile_range(starts, q0, T, range);
    const bool any = range[1] >= 0;
    const int kt_first = any ? range[0] / TILE : 0;
    const int kt_last = any ? range[1] / TILE : -1;

    load_tile_bf16(Qs, q + head, q0, T, HS);
    const float scale2 = scale * LOG2E;
    float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.f, 0.f}, o[HS / 8][4];
#pragma unroll
    for (int nd = 0; nd < HS / 8; nd++)
#pragma unroll
        for (int e = 0; e < 4; e++) o[nd][e] = 0.f;

    for (int kt = kt_first; kt <= kt_last; kt++) {
        const int k0 = kt * TILE;
        load_tile_bf16(Ks, k + head, k0, T, HS);
        load_tile_bf16(Vs, v + head, k0, T, HS);
        __syncthreads();  // Qs (first pass), Ks, Vs written
        float s[8][4];
        tile_product_tc<HS>(Qs, Ks, r0, s);
#pragma unroll
        for (int h = 0; h < 2; h++) {
            const int t = q0 + r0 + g + 8 * h;
            float mx = -INFINITY;
#pragma unroll
            for (int nb = 0; nb < 8; nb++)
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    const int key = k0 + 8 * nb + 2 * c + e;
                    const bool visible = start[h] >= 0 && key >= start[h] && key <= t;
                    float& x = s[nb][2 * h + e];
                    x = visible ? x * scale2 : -INFINITY;
                    mx = fmaxf(mx, x);
                }
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));  // the 4 lanes of a row: c = 0..3
            mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
            const float m_new = fmaxf(m[h], mx);
            const float m_use = m_new == -INFINITY ? 0.f : m_new;
            const float alpha = exp2f(m[h] - m_use);
            float rs = 0.f;
#pragma unroll
            for (int nb = 0; nb < 8; nb++)
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    float& x = s[nb][2 * h + e];
                    x = exp2f(x - m_use);
                    rs += x;
                }
            rs += __shfl_xor_sync(0xffffffffu, rs, 1);
            rs += __shfl_xor_sync(0xffffffffu, rs, 2);
            l[h] = l[h] * alpha + rs;
            m[h] = m_new;
#pragma unroll
            for (int nd = 0; nd < HS / 8; nd++) {
                o[nd][2 * h] *= alpha;
                o[nd][2 * h + 1] *= alpha;
            }
        }
        accumulate_product<HS>(s, Vs, o);  // o += P v
        __syncthreads();  // Ks, Vs free for the next tile
    }

#pragma unroll
    for (int h = 0; h < 2; h++) {
        const int t = q0 + r0 + g + 8 * h;
        if (t >= T) continue;
        const bool seen = start[h] >= 0;
        const float inv = seen ? 1.f / l[h] : 0.f;
#pragma unroll
        for (int nd = 0; nd < HS / 8; nd++) {
            {
                *reinterpret_cast<float2*>(y + head + (size_t)t * HS + 8 * nd + 2 * c) =
                    make_float2(o[nd][2 * h] * inv, o[nd][2 * h + 1] * inv);
            }
        }
        if (c == 0) lse[(size_t)bh * T + t] = seen ? (m[h] + log2f(l[h])) * LN2 : 0.f;
    }
}

template <int HS>
__device__ void backward_dkdv_tc(const bf16* __restrict__ q, const bf16* __restrict__ k, const bf16* __restrict__ v,
                                 const bf16* __restrict__ dy, const float* __restrict__ lse,
                                 const float* __restrict__ delta, const int* __restrict__ seq_start,
                                 float* __restrict__ dk, float* __restrict__ dv, int B, int NH, int T, float scale) {
    __shared__ int range[2];
    __shared__ int row_start[TILE];
    __shared__ float row_lse2[TILE];
    __shared__ float row_delta[TILE];
    constexpr int stride = HS + 8;
    bf16* Ks = reinterpret_cast<bf16*>(dynamic_shared);
    bf16* Vs = Ks + TILE * stride;
    bf16* Qs = Vs + TILE * stride;
    bf16* dYs = Qs + TILE * stride;

    const int tiles = (T + TILE - 1) / TILE;
    const int BH = B * NH;
    const int bh = blockIdx.x % BH;
    const int kt = (int)(blockIdx.x / BH);
    const int b = bh / NH;
    const int k0 = kt * TILE;
    const int k_last = min(k0 + TILE, T) - 1;
    const size_t head = (size_t)bh * T * HS;
    const int* starts = seq_start + (size_t)b * T;
    const int lane = threadIdx.x % 32, g = lane >> 2, c = lane & 3;
    const int r0 = 16 * (threadIdx.x / 32);  // this warp's keys: k0 + r0 + g (h = 0), + 8 (h = 1)
    const float scale2 = scale * LOG2E;

    load_tile_bf16(Ks, k + head, k0, T, HS);
    load_tile_bf16(Vs, v + head, k0, T, HS);
    float dk_acc[HS / 8][4], dv_acc[HS / 8][4];
#pragma unroll
    for (int nd = 0; nd < HS / 8; nd++)
#pragma unroll
        for (int e = 0; e < 4; e++) dk_acc[nd][e] = dv_acc[nd][e] = 0.f;

    for (int qt = kt; qt < tiles; qt++) {
        const int q0 = qt * TILE;
        __syncthreads();  // the previous tile's readers of Qs, dYs, row_* and range are done
        if (threadIdx.x < TILE) {
            const int t = q0 + threadIdx.x;
            row_start[threadIdx.x] = visible_start(starts, t, T);
            row_lse2[threadIdx.x] = t < T ? lse[(size_t)bh * T + t] * LOG2E : 0.f;
            row_delta[threadIdx.x] = t < T ? delta[(size_t)bh * T + t] : 0.f;
        }
        query_tile_range(starts, q0, T, range);
        if (range[1] < k0 || range[0] > k_last) continue;  // uniform

        load_tile_bf16(Qs, q + head, q0, T, HS);
        load_tile_bf16(dYs, dy + head, q0, T, HS);
        __syncthreads();
        float st[8][4], dpt[8][4];  // S^T and dP^T: rows this warp's keys, columns queries 8nb + 2c + e
        tile_product_tc<HS>(Ks, Qs, r0, st);
        tile_product_tc<HS>(Vs, dYs, r0, dpt);
#pragma unroll
        for (int h = 0; h < 2; h++) {
            const int key = k0 + r0 + g + 8 * h;
#pragma unroll
            for (int nb = 0; nb < 8; nb++)
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    const int col = 8 * nb + 2 * c + e;
                    const int t = q0 + col;
                    const int sq = row_start[col];
                    const bool visible = sq >= 0 && key >= sq && key <= t;
                    const float p = visible ? exp2f(fmaf(st[nb][2 * h + e], scale2, -row_lse2[col])) : 0.f;
                    dpt[nb][2 * h + e] = visible ? p * (dpt[nb][2 * h + e] - row_delta[col]) : 0.f;
                    st[nb][2 * h + e] = p;
                }
        }
        accumulate_product<HS>(st, dYs, dv_acc);   // dv += P^T dy
        accumulate_product<HS>(dpt, Qs, dk_acc);   // dk += dS^T q (scaled below)
    }

#pragma unroll
    for (int h = 0; h < 2; h++) {
        const int key = k0 + r0 + g + 8 * h;
        if (key >= T) continue;
#pragma unroll
        for (int nd = 0; nd < HS / 8; nd++) {
            {
                const size_t at = head + (size_t)key * HS + 8 * nd + 2 * c;
                *reinterpret_cast<float2*>(dk + at) = make_float2(dk_acc[nd][2 * h] * scale, dk_acc[nd][2 * h + 1] * scale);
                *reinterpret_cast<float2*>(dv + at) = make_float2(dv_acc[nd][2 * h], dv_acc[nd][2 * h + 1]);
            }
        }
    }
}

template <int HS>
__device__ void backward_dq_tc(const bf16* __restrict__ q, const bf16* __restrict__ k, const bf16* __restrict__ v,
                               const bf16* __restrict__ dy, const float* __restrict__ lse,
                               const float* __restrict__ delta, const int* __restrict__ seq_start,
                               float* __restrict__ dq, int B, int NH, int T, float scale) {
    __shared__ int range[2];
    constexpr int stride = HS + 8;
    bf16* Qs = reinterpret_cast<bf16*>(dynamic_shared);
    bf16* dYs = Qs + TILE * stride;
    bf16* Ks = dYs + TILE * stride;
    bf16* Vs = Ks + TILE * stride;

    const int tiles = (T + TILE - 1) / TILE;
    const int BH = B * NH;
    const int bh = blockIdx.x % BH;
    const int qt = tiles - 1 - (int)(blockIdx.x / BH);
    const int b = bh / NH;
    const int q0 = qt * TILE;
    const size_t head = (size_t)bh * T * HS;
    const int* starts = seq_start + (size_t)b * T;
    const int lane = threadIdx.x % 32, g = lane >> 2, c = lane & 3;
    const int r0 = 16 * (threadIdx.x / 32);
    const float scale2 = scale * LOG2E;

    int start[2];
    float lse2[2], row_delta[2];
#pragma unroll
    for (int h = 0; h < 2; h++) {
        const int t = q0 + r0 + g + 8 * h;
        start[h] = visible_start(starts, t, T);
        lse2[h] = t < T ? lse[(size_t)bh * T + t] * LOG2E : 0.f;
        row_delta[h] = t < T ? delta[(size_t)bh * T + t] : 0.f;
    }
    query_tile_range(starts, q0, T, range);
    const bool any = range[1] >= 0;
    const int kt_first = any ? range[0] / TILE : 0;
    const int kt_last = any ? range[1] / TILE : -1;

    load_tile_bf16(Qs, q + head, q0, T, HS);
    load_tile_bf16(dYs, dy + head, q0, T, HS);
    float dq_acc[HS / 8][4];
#pragma unroll
    for (int nd = 0; nd < HS / 8; nd++)
#pragma unroll
        for (int e = 0; e < 4; e++) dq_acc[nd][e] = 0.f;

    for (int kt = kt_first; kt <= kt_last; kt++) {
        const int k0 = kt * TILE;
        load_tile_bf16(Ks, k + head, k0, T, HS);
        load_tile_bf16(Vs, v + head, k0, T, HS);
        __syncthreads();
        float s[8][4], dp[8][4];
        tile_product_tc<HS>(Qs, Ks, r0, s);
        tile_product_tc<HS>(dYs, Vs, r0, dp);
#pragma unroll
        for (int h = 0; h < 2; h++) {
            const int t = q0 + r0 + g + 8 * h;
#pragma unroll
            for (int nb = 0; nb < 8; nb++)
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    const int key = k0 + 8 * nb + 2 * c + e;
                    const bool visible = start[h] >= 0 && key >= start[h] && key <= t;
                    const float p = visible ? exp2f(fmaf(s[nb][2 * h + e], scale2, -lse2[h])) : 0.f;
                    s[nb][2 * h + e] = visible ? p * (dp[nb][2 * h + e] - row_delta[h]) : 0.f;  // dS
                }
        }
        accumulate_product<HS>(s, Ks, dq_acc);  // dq += dS k (scaled below)
        __syncthreads();
    }

#pragma unroll
    for (int h = 0; h < 2; h++) {
        const int t = q0 + r0 + g + 8 * h;
        if (t >= T) continue;
#pragma unroll
        for (int nd = 0; nd < HS / 8; nd++) {
            {
                *reinterpret_cast<float2*>(dq + head + (size_t)t * HS + 8 * nd + 2 * c) =
                    make_float2(dq_acc[nd][2 * h] * scale, dq_acc[nd][2 * h + 1] * scale);
            }
        }
    }
}

#endif  // tensor cores

}  // namespace

// One entry per product type; HS <= 64 uses one column group of 4 per thread-column, HS <= 128 two.
#define FLASH_ENTRIES(SUFFIX, P)                                                                                   \
    extern "C" __global__ void __launch_bounds__(THREADS) flash_attention_forward_##SUFFIX(                          \
        const P* q, const P* k, const P* v, const int* seq_start, float* y, float* lse, int B, int NH, int T, int HS, \
        float scale) {                                                                                              \
        if (HS <= 64) forward<P, 1>(q, k, v, seq_start, y, lse, B, NH, T, HS, scale);                                \
        else forward<P, 2>(q, k, v, seq_start, y, lse, B, NH, T, HS, scale);                                         \
    }                                                                                                               \
    extern "C" __global__ void __launch_bounds__(THREADS) flash_attention_backward_delta_##SUFFIX(                   \
        const P* dy, const float* y, float* delta, int rows, int HS) {                                              \
        backward_delta<P>(dy, y, delta, rows, HS);                                                                  \
    }                                                                                                               \
    extern "C" __global__ void __launch_bounds__(THREADS) flash_attention_backward_dkdv_##SUFFIX(                    \
        const P* q, const P* k, const P* v, const P* dy, const float* lse, const float* delta, const int* seq_start,  \
        float* dk, float* dv, int B, int NH, int T, int HS, float scale) {                                          \
        if (HS <= 64) backward_dkdv<P, 1>(q, k, v, dy, lse, delta, seq_start, dk, dv, B, NH, T, HS, scale);         \
        else backward_dkdv<P, 2>(q, k, v, dy, lse, delta, seq_start, dk, dv, B, NH, T, HS, scale);                  \
    }                                                                                                               \
    extern "C" __global__ void __launch_bounds__(THREADS) flash_attention_backward_dq_##SUFFIX(                      \
        const P* q, const P* k, const P* v, const P* dy, const float* lse, const float* delta, const int* seq_start,  \
        float* dq, int B, int NH, int T, int HS, float scale) {                                                     \
        if (HS <= 64) backward_dq<P, 1>(q, k, v, dy, lse, delta, seq_start, dq, B, NH, T, HS, scale);               \
        else backward_dq<P, 2>(q, k, v, dy, lse, delta, seq_start, dq, B, NH, T, HS, scale);                        \
    }

FLASH_ENTRIES(f32, float)
FLASH_ENTRIES(bf16, bf16)

#if defined(FLASH_EMULATION) || __CUDA_ARCH__ >= 800
// Tensor-core entries (bfloat16, HS 64 or 128): 128 threads per block, the same grid and order
// as the entries above; the backward uses flash_attention_backward_delta_bf16 first. Dynamic
// shared memory, bf16 tiles of row stride HS + 8: forward 3 * 64 * (HS + 8) * 2 bytes (HS 64:
// 27,648; HS 128: 52,224), dkdv and dq 4 * 64 * (HS + 8) * 2 (36,864; 69,632). Another HS
// returns at once without writing: FlashAttention.java only picks these for HS 64 and 128.
extern "C" __global__ void __launch_bounds__(TC_THREADS) flash_attention_forward_bf16_tc(
    const bf16* q, const bf16* k, const bf16* v, const int* seq_start, float* y, float* lse, int B, int NH, int T,
    int HS, float scale) {
    if (HS == 64) forward_tc<64>(q, k, v, seq_start, y, lse, B, NH, T, scale);
    else if (HS == 128) forward_tc<128>(q, k, v, seq_start, y, lse, B, NH, T, scale);
}
extern "C" __global__ void __launch_bounds__(TC_THREADS) flash_attention_backward_dkdv_bf16_tc(
    const bf16* q, const bf16* k, const bf16* v, const bf16* dy, const float* lse, const float* delta,
    const int* seq_start, float* dk, float* dv, int B, int NH, int T, int HS, float scale) {
    if (HS == 64) backward_dkdv_tc<64>(q, k, v, dy, lse, delta, seq_start, dk, dv, B, NH, T, scale);
    else if (HS == 128) backward_dkdv_tc<128>(q, k, v, dy, lse, delta, seq_start, dk, dv, B, NH, T, scale);
}
extern "C" __global__ void __launch_bounds__(TC_THREADS) flash_attention_backward_dq_bf16_tc(
    const bf16* q, const bf16* k, const bf16* v, const bf16* dy, const float* lse, const float* delta,
    const int* seq_start, float* dq, int B, int NH, int T, int HS, float scale) {
    if (HS == 64) backward_dq_tc<64>(q, k, v, dy, lse, delta, seq_start, dq, B, NH, T, scale);
    else if (HS == 128) backward_dq_tc<128>(q, k, v, dy, lse, delta, seq_start, dq, B, NH, T, scale);
}
#endif
