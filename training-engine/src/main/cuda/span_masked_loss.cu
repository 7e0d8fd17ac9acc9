// Fused span-masked KL/CE distillation loss (SPEC.md section 6): per-row loss parts and the
// gradient with respect to the student logits, in one launch.
//
// Per row i (one token position) with span type m and label y:
//   q = softmax(z/T), s = softmax(z), p = softmax(u/T) (or the sparse teacher's top-k softmax)
//   KL_i = T^2 * sum_v p_v (log p_v - log q_v)          written to row_kl[i]
//   CE_i = log sum_v exp(z_v) - z_y                      written to row_ce[i]
//   dL/dz_v = coef_kl[m] * (q_v - p_v) + coef_ce[m] * (s_v - [v == y])
// where the host folds the span weights, the span counts and T into coef_kl = wKL/|R_m| * T and
// coef_ce = wCE/|A_m|, and sums the row parts into the loss in double.
//
// Everything is computed in base 2: with a = z * log2(e)/T, b = z * log2(e), c = u * log2(e)/T,
// softmax(z/T) = 2^(a - LA) where LA = log2 sum 2^a, and so on. exp2f is one hardware
// instruction; the natural-log quantities come back by a single multiply with ln 2.
//
// Two kernel shapes share the code below:
//   * streaming (one block per row; the default): sweep 1 keeps online softmax statistics of the
//     row, sweep 2 reads the row again (from HBM at these sizes: 20 bytes per float32 element
//     moved against the 12-byte floor) and writes the gradient.
//   * split streaming (CL blocks per row in a cluster, no shared-memory copy): each block streams
//     its 1/CL slice twice, the second sweep from L2. Kept only as the f32 variants s4o3, s8o3 and
//     s8o4, the ones measured faster than streaming (+1-4% at V = 151936, one shape; bench/results/gpu
//     runs 5 and 6); chosen only on request.
// Retired after measurement (docs/performance.md, "Retired kernels"): the cached kernel (each
// block's slice of the row in shared memory, one global read; slower than streaming at every
// shape on an H200) and the other split entries (s8, s16 and its b1/h/o3/o4 tunings, bf16 split),
// all slower than streaming wherever measured.
// Both sweeps move 16 bytes per access (4 float32 or 8 bfloat16 values, a "group"); groups are
// aligned in absolute address, so a row that starts mid-group (V not a multiple of the group)
// still uses 16-byte accesses, masks the lanes outside its range, and stores partial groups
// lane by lane. Device buffers are allocated with 16 bytes of slack so the last group's load
// stays inside the allocation.

#include <cooperative_groups.h>

namespace cg = cooperative_groups;

#define THREADS 512
#define WARPS (THREADS / 32)
#define IGNORE_INDEX (-100)

#define LOG2E 1.4426950408889634f
#define LN2 0.6931471805599453f

typedef unsigned short bf16_bits;

// 2^x in one MUFU instruction (max relative error about 2^-22; results below 2^-126 flush to 0,
// far under what the 1e-5 tolerance can see). exp2f without fast-math adds range handling.
__device__ __forceinline__ float fast_exp2(float x) {
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}

// ---------------------------------------------------------------------------------------------
// Element types: a 16-byte group unpacks to VEC floats and packs back.

template <typename E> struct Group;

template <> struct Group<float> {
    static constexpr int VEC = 4;
    __device__ static void unpack(uint4 w, float (&x)[4]) {
        x[0] = __uint_as_float(w.x); x[1] = __uint_as_float(w.y);
        x[2] = __uint_as_float(w.z); x[3] = __uint_as_float(w.w);
    }
    __device__ static uint4 pack(const float (&x)[4]) {
        return make_uint4(__float_as_uint(x[0]), __float_as_uint(x[1]),
                          __float_as_uint(x[2]), __float_as_uint(x[3]));
    }
    __device__ static float load(const float* p) { return *p; }
    __device__ static void store(float* p, float v) { *p = v; }
};

// bfloat16 is the top half of a float32: widening is a shift. Narrowing rounds to nearest even,
// the same rule the Java side uses, so CPU and GPU gradients agree bit for bit when their float
// values do.
__device__ __forceinline__ unsigned int bf16_round(float f) {
    unsigned int u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0u;  // NaN stays a quiet NaN
    return (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
}

template <> struct Group<bf16_bits> {
    static constexpr int VEC = 8;
    __device__ static void unpack_word(unsigned int w, float& lo, float& hi) {
        lo = __uint_as_float(w << 16);
        hi = __uint_as_float(w & 0xffff0000u);
    }
    __device__ static void unpack(uint4 w, float (&x)[8]) {
        unpack_word(w.x, x[0], x[1]); unpack_word(w.y, x[2], x[3]);
        unpack_word(w.z, x[4], x[5]); unpack_word(w.w, x[6], x[7]);
    }
    __device__ static unsigned int pack_word(float lo, float hi) {
        return bf16_round(lo) | (bf16_round(hi) << 16);
    }
    __device__ static uint4 pack(const float (&x)[8]) {
        return make_uint4(pack_word(x[0], x[1]), pack_word(x[2], x[3]),
                          pack_word(x[4], x[5]), pack_word(x[6], x[7]));
    }
    __device__ static float load(const bf16_bits* p) { return __uint_as_float((unsigned int)*p << 16); }
    __device__ static void store(bf16_bits* p, float v) { *p = (bf16_bits)bf16_round(v); }
};

// ---------------------------------------------------------------------------------------------
// Online softmax statistics. A distribution over base-2 logits x is summarised by its running
// maximum m and sum s = sum 2^(x - m); two summaries merge by rescaling to the larger maximum.
// The teacher summary also carries cross = sum 2^(c - m) * (c - a), which gives
// sum_v p_v (c_v - a_v) = cross / s at the end.

struct Softmax {
    float m, s;
};

struct RowStats {
    Softmax a, b, c;
    float cross;
};

__device__ __forceinline__ Softmax softmax_empty() { return {-INFINITY, 0.f}; }

__device__ __forceinline__ float rescale_factor(float from_max, float to_max) {
    // from_max == -inf (nothing accumulated yet) must give 0, never exp2(nan).
    return from_max == -INFINITY ? 0.f : fast_exp2(from_max - to_max);
}

__device__ __forceinline__ Softmax softmax_merge(Softmax x, Softmax y) {
    float m = fmaxf(x.m, y.m);
    if (m == -INFINITY) return softmax_empty();
    return {m, x.s * rescale_factor(x.m, m) + y.s * rescale_factor(y.m, m)};
}

__device__ __forceinline__ RowStats stats_empty() {
    return {softmax_empty(), softmax_empty(), softmax_empty(), 0.f};
}

__device__ __forceinline__ RowStats stats_merge(RowStats x, RowStats y) {
    RowStats r;
    r.a = softmax_merge(x.a, y.a);
    r.b = softmax_merge(x.b, y.b);
    float mc = fmaxf(x.c.m, y.c.m);
    if (mc == -INFINITY) {
        r.c = softmax_empty();
        r.cross = 0.f;
    } else {
        float fx = rescale_factor(x.c.m, mc), fy = rescale_factor(y.c.m, mc);
        r.c = {mc, x.c.s * fx + y.c.s * fy};
        r.cross = x.cross * fx + y.cross * fy;
    }
    return r;
}

__device__ __forceinline__ float shfl_down(float v, int offset) {
    return __shfl_down_sync(0xffffffffu, v, offset);
}

__device__ RowStats warp_merge(RowStats x) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        RowStats y;
        y.a.m = shfl_down(x.a.m, offset); y.a.s = shfl_down(x.a.s, offset);
        y.b.m = shfl_down(x.b.m, offset); y.b.s = shfl_down(x.b.s, offset);
        y.c.m = shfl_down(x.c.m, offset); y.c.s = shfl_down(x.c.s, offset);
        y.cross = shfl_down(x.cross, offset);
        x = stats_merge(x, y);
    }
    return x;
}

// Merges every thread's statistics; the result is in *out for all threads after the call.
__device__ void block_merge(RowStats mine, RowStats* warp_slots, RowStats* out) {
    mine = warp_merge(mine);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) warp_slots[warp] = mine;
    __syncthreads();
    if (warp == 0) {
        RowStats x = lane < WARPS ? warp_slots[lane] : stats_empty();
        x = warp_merge(x);
        if (lane == 0) *out = x;
    }
    __syncthreads();
}

// ---------------------------------------------------------------------------------------------
// What one row needs, read once per block. All blocks of a cluster see the same row, so every
// branch on these flags is uniform across the cluster (required around cluster barriers).

struct RowPlan {
    long long start;     // absolute element index of the row's first logit
    int label;           // y, or IGNORE_INDEX
    float coef_kl;       // wKL[m]/|R_m| * T, or 0 when the row has no KL term
    float coef_ce;       // wCE[m]/|A_m|, or 0 when the row has no CE term (incl. y ignored)
    bool kl, ce;
};

__device__ __forceinline__ RowPlan plan_row(int row, int stride, const int* labels, const int* spans,
                                            const float* coef) {
    RowPlan plan;
    plan.start = (long long)row * stride;
    plan.label = labels[row];
    int span = spans[row];
    plan.coef_kl = coef[span];
    plan.coef_ce = plan.label == IGNORE_INDEX ? 0.f : coef[4 + span];
    // A part is computed when its coefficient is not +0: the host passes -0 for a span whose
    // weight is 0 but whose KL or CE the trainer reports (its gradient term is then -0 * x = 0).
    plan.kl = __float_as_uint(plan.coef_kl) != 0u;
    plan.ce = __float_as_uint(plan.coef_ce) != 0u;
    return plan;
}

// Scales from logits to base-2 logits.
struct Scales {
    float a;     // log2(e) / T, for z/T and u/T
    float b;     // log2(e), for z
    bool same;   // T == 1: a and b are the same distribution, computed once
    bool square; // T == 2: b = 2a exactly (scaling by 2 is exact), so 2^(b - 2M) = (2^(a - M))^2
};

__device__ __forceinline__ Scales scales_for(float temperature) {
    return {LOG2E / temperature, LOG2E, temperature == 1.f, temperature == 2.f};
}

// Adds a group of base-2 logits to a running summary: the group's maximum first, so the sum is
// rescaled at most once per group and each element costs one exp2. Masked lanes are -inf.
template <int VEC>
__device__ __forceinline__ void softmax_add_group(Softmax& d, const float (&x)[VEC]) {
    float gmax = -INFINITY;
#pragma unroll
    for (int e = 0; e < VEC; e++) gmax = fmaxf(gmax, x[e]);
    if (gmax > d.m) {
        d.s *= rescale_factor(d.m, gmax);
        d.m = gmax;
    }
#pragma unroll
    for (int e = 0; e < VEC; e++) d.s += fast_exp2(x[e] - d.m);
}

// Accumulates one group of VEC values into the thread's statistics. Lanes outside
// [lo, hi) (absolute element indices) are masked.
template <int VEC>
__device__ __forceinline__ void accumulate_group(RowStats& st, const float (&z)[VEC], const float (&u)[VEC],
                                                 long long first, long long lo, long long hi,
                                                 const RowPlan& plan, bool dense_teacher, Scales sc) {
    bool valid[VEC];
    float a[VEC];
#pragma unroll
    for (int e = 0; e < VEC; e++) {
        long long idx = first + e;
        valid[e] = idx >= lo && idx < hi;
        a[e] = valid[e] ? z[e] * sc.a : -INFINITY;
    }
    if (plan.kl && plan.ce && sc.square) {
        // T = 2: b = 2a, so the summary of b is that of a with the maximum doubled and every
        // term squared; no exponentials of its own.
        float gmax = -INFINITY;
#pragma unroll
        for (int e = 0; e < VEC; e++) gmax = fmaxf(gmax, a[e]);
        if (gmax > st.a.m) {
            const float f = rescale_factor(st.a.m, gmax);
            st.a.s *= f;
            st.b.s *= f * f;
            st.a.m = gmax;
            st.b.m = 2.f * gmax;
        }
#pragma unroll
        for (int e = 0; e < VEC; e++) {
            const float w = fast_exp2(a[e] - st.a.m);
            st.a.s += w;
            st.b.s += w * w;
        }
    } else if (plan.kl || (plan.ce && sc.same)) {
        softmax_add_group<VEC>(st.a, a);
    }
    if (plan.ce && !sc.same && !(plan.kl && sc.square)) {
        float b[VEC];
#pragma unroll
        for (int e = 0; e < VEC; e++) b[e] = valid[e] ? z[e] * sc.b : -INFINITY;
        softmax_add_group<VEC>(st.b, b);
    }
    if (plan.kl && dense_teacher) {
        // The teacher summary carries the cross term, rescaled together with its sum.
        float c[VEC];
        float gmax_c = -INFINITY;
#pragma unroll
        for (int e = 0; e < VEC; e++) {
            c[e] = valid[e] ? u[e] * sc.a : -INFINITY;
            gmax_c = fmaxf(gmax_c, c[e]);
        }
        if (gmax_c > st.c.m) {
            float f = rescale_factor(st.c.m, gmax_c);
            st.c.s *= f;
            st.cross *= f;
            st.c.m = gmax_c;
        }
#pragma unroll
        for (int e = 0; e < VEC; e++) {
            float w = valid[e] ? fast_exp2(c[e] - st.c.m) : 0.f;
            st.c.s += w;
            st.cross += valid[e] ? w * (c[e] - a[e]) : 0.f;
        }
    }
}

// The sparse teacher's k entries enter the teacher statistics once per row (in block 0 of the
// row's cluster). a for each index is read from global memory: k is small and the row is hot.
template <typename E>
__device__ void accumulate_sparse_teacher(RowStats& st, const E* student, const int* topk_index,
                                          const float* topk_logp, int topk, int row,
                                          const RowPlan& plan, Scales sc) {
    for (int j = threadIdx.x; j < topk; j += THREADS) {
        long long slot = (long long)row * topk + j;
        float logp = topk_logp[slot];
        if (logp == -INFINITY) continue;  // probability 0: contributes nothing
        float c = logp * sc.a;
        float a = Group<E>::load(student + plan.start + topk_index[slot]) * sc.a;
        if (c > st.c.m) {
            float f = rescale_factor(st.c.m, c);
            st.c.s *= f;
            st.cross *= f;
            st.c.m = c;
        }
        float w = fast_exp2(c - st.c.m);
        st.c.s += w;
        st.cross += w * (c - a);
    }
}

// Final per-row quantities, from the merged statistics.
struct RowFinal {
    float la, lb, lc;   // base-2 log-sum-exp of a, b, c
    float square_scale; // T == 2: s = q^2 * 2^(2 LA - LB)
};

__device__ __forceinline__ RowFinal finish(const RowStats& st, Scales sc) {
    RowFinal f;
    f.la = st.a.m + log2f(st.a.s);
    f.lb = sc.same ? f.la : st.b.m + log2f(st.b.s);
    f.lc = st.c.m + log2f(st.c.s);
    f.square_scale = sc.square ? fast_exp2(2.f * f.la - f.lb) : 0.f;
    return f;
}

// Writes row_kl and row_ce (block 0 of the row, thread 0).
template <typename E>
__device__ void write_row_parts(const RowStats& st, const RowFinal& f, const RowPlan& plan,
                                const E* student, float temperature, Scales sc,
                                float* row_kl, float* row_ce, int row) {
    float kl = 0.f, ce = 0.f;
    if (plan.kl) {
        // KL = T^2 * (sum p (c - a) - LC + LA) in natural units.
        float t2 = temperature * temperature;
        kl = t2 * LN2 * (st.cross / st.c.s + (st.a.m - st.c.m) + log2f(st.a.s / st.c.s));
    }
    if (plan.ce) {
        float zy = Group<E>::load(student + plan.start + plan.label);
        const Softmax& b = sc.same ? st.a : st.b;
        ce = LN2 * ((b.m - zy * sc.b) + log2f(b.s));
    }
    row_kl[row] = kl;
    row_ce[row] = ce;
}

// The gradient of one element; p is the teacher probability (0 off the sparse support).
__device__ __forceinline__ float grad_value(float z, float p, long long vocab_index, const RowPlan& plan,
                                            const RowFinal& f, Scales sc) {
    float g = 0.f;
    float q = 0.f;
    if (plan.kl || (plan.ce && sc.same)) q = fast_exp2(fmaf(z, sc.a, -f.la));
    if (plan.kl) g = plan.coef_kl * (q - p);
    if (plan.ce) {
        float s = sc.same ? q : (sc.square && plan.kl) ? q * q * f.square_scale : fast_exp2(fmaf(z, sc.b, -f.lb));
        g += plan.coef_ce * (s - (vocab_index == plan.label ? 1.f : 0.f));
    }
    return g;
}

// Stores one group of the gradient: a full group is one 16-byte streaming store (the gradient
// is not read again by this kernel), a partial group lane by lane.
template <typename E>
__device__ __forceinline__ void store_group(E* grad, long long g, const float (&out)[Group<E>::VEC], long long lo,
                                            long long hi) {
    constexpr int VEC = Group<E>::VEC;
    long long first = g * VEC;
    if (first >= lo && first + VEC <= hi) {
        __stcs(reinterpret_cast<uint4*>(grad) + g, Group<E>::pack(out));
    } else {
#pragma unroll
        for (int e = 0; e < VEC; e++)
            if (first + e >= lo && first + e < hi) Group<E>::store(grad + first + e, out[e]);
    }
}

// Sparse teacher: after the dense gradient (q and s terms) of this block's range is written,
// the k supported elements in the range are rewritten with their -p term. The barrier before
// orders the two writes of the same element.
template <typename E>
__device__ void fix_sparse_support(E* grad, const E* student, const int* topk_index, const float* topk_logp,
                                   int topk, int row, long long lo, long long hi, const RowPlan& plan,
                                   const RowFinal& f, Scales sc) {
    __syncthreads();
    for (int j = threadIdx.x; j < topk; j += THREADS) {
        long long slot = (long long)row * topk + j;
        long long idx = plan.start + topk_index[slot];
        if (idx < lo || idx >= hi) continue;
        float logp = topk_logp[slot];
        float p = logp == -INFINITY ? 0.f : fast_exp2(fmaf(logp, sc.a, -f.lc));
        float z = Group<E>::load(student + idx);
        Group<E>::store(grad + idx, grad_value(z, p, idx - plan.start, plan, f, sc));
    }
}

// A masked row's gradient is zero: 16-byte stores for whole groups.
template <typename E>
__device__ void zero_range(E* grad, long long lo, long long hi) {
    constexpr int VEC = Group<E>::VEC;
    float zeros[VEC];
#pragma unroll
    for (int e = 0; e < VEC; e++) zeros[e] = 0.f;
    for (long long g = lo / VEC + threadIdx.x; g < (hi + VEC - 1) / VEC; g += THREADS) store_group<E>(grad, g, zeros, lo, hi);
}

// ---------------------------------------------------------------------------------------------
// Streaming kernel: one block per row, two sweeps over global memory.

template <typename E>
__device__ void span_masked_loss_streaming(const E* __restrict__ student, const E* __restrict__ teacher,
                                           const int* __restrict__ topk_index, const float* __restrict__ topk_logp,
                                           int topk, const int* __restrict__ labels, const int* __restrict__ spans,
                                           const float* __restrict__ coef, E* __restrict__ grad,
                                           float* __restrict__ row_kl, float* __restrict__ row_ce,
                                           int vocab, int stride, float temperature) {
    constexpr int VEC = Group<E>::VEC;
    __shared__ RowStats warp_slots[WARPS];
    __shared__ RowStats row_stats;

    const int row = blockIdx.x;
    const bool dense_teacher = teacher != nullptr;
    const Scales sc = scales_for(temperature);
    const RowPlan plan = plan_row(row, stride, labels, spans, coef);
    const long long lo = plan.start, hi = plan.start + vocab;
    const long long g0 = lo / VEC, g1 = (hi + VEC - 1) / VEC;

    if (!plan.kl && !plan.ce) {
        zero_range(grad, lo, hi);
        if (threadIdx.x == 0) { row_kl[row] = 0.f; row_ce[row] = 0.f; }
        return;
    }

    const uint4* zg = reinterpret_cast<const uint4*>(student);
    const uint4* ug = reinterpret_cast<const uint4*>(teacher);
    const bool load_teacher = plan.kl && dense_teacher;
    RowStats st = stats_empty();
    float z[VEC], u[VEC];
#pragma unroll
    for (int e = 0; e < VEC; e++) u[e] = 0.f;
    for (long long g = g0 + threadIdx.x; g < g1; g += THREADS) {
        Group<E>::unpack(zg[g], z);
        if (load_teacher) Group<E>::unpack(ug[g], u);
        accumulate_group<VEC>(st, z, u, g * VEC, lo, hi, plan, dense_teacher, sc);
    }
    if (plan.kl && !dense_teacher)
        accumulate_sparse_teacher(st, student, topk_index, topk_logp, topk, row, plan, sc);
    block_merge(st, warp_slots, &row_stats);

    const RowStats rs = row_stats;
    const RowFinal f = finish(rs, sc);
    if (threadIdx.x == 0) write_row_parts(rs, f, plan, student, temperature, sc, row_kl, row_ce, row);

    for (long long g = g0 + threadIdx.x; g < g1; g += THREADS) {
        Group<E>::unpack(zg[g], z);
        if (load_teacher) Group<E>::unpack(ug[g], u);
        float out[VEC];
#pragma unroll
        for (int e = 0; e < VEC; e++) {
            float p = load_teacher ? fast_exp2(fmaf(u[e], sc.a, -f.lc)) : 0.f;
            out[e] = grad_value(z[e], p, g * VEC + e - plan.start, plan, f, sc);
        }
        store_group<E>(grad, g, out, lo, hi);
    }
    if (plan.kl && !dense_teacher)
        fix_sparse_support(grad, student, topk_index, topk_logp, topk, row, lo, hi, plan, f, sc);
}

// ---------------------------------------------------------------------------------------------
// Split-streaming kernel: CL blocks per row (a thread-block cluster, sm_90), no shared-memory
// copy of the row. Each block streams its slice [lo, hi) of the row twice like the streaming
// kernel, but a slice is 1/CL of a row, so the bytes between a block's first and second read of
// an element are (resident blocks) x (slice bytes), about 20 MB at CL = 16 and two blocks per
// SM: the second sweep hits L2 and HBM traffic falls to the floor's 12 bytes per float32 element.
//   sweep 1  16-byte loads, BATCH groups of z (and u) in flight per thread, online statistics
//   exchange merge the CL block summaries through distributed shared memory
//   sweep 2  the slice again, last-read groups first (they are the likeliest still in L2),
//            evict-first loads, streaming gradient stores
// MINB (blocks per SM the register budget is sized for) and HINT (sweep 1 loads marked
// L2 evict_last, sweep 2 loads evict_first, through createpolicy) are tuning variants.

__device__ __forceinline__ unsigned long long l2_policy_evict_last() {
    unsigned long long p;
    asm("createpolicy.fractional.L2::evict_last.b64 %0, 1.0;" : "=l"(p));
    return p;
}

__device__ __forceinline__ unsigned long long l2_policy_evict_first() {
    unsigned long long p;
    asm("createpolicy.fractional.L2::evict_first.b64 %0, 1.0;" : "=l"(p));
    return p;
}

__device__ __forceinline__ uint4 ld_policy(const uint4* p, unsigned long long policy) {
    uint4 r;
    asm("ld.global.L2::cache_hint.v4.u32 {%0, %1, %2, %3}, [%4], %5;"
        : "=r"(r.x), "=r"(r.y), "=r"(r.z), "=r"(r.w)
        : "l"(p), "l"(policy));
    return r;
}

template <int BATCH, bool HINT, bool LAST>
__device__ __forceinline__ uint4 ld_sweep(const uint4* p, unsigned long long policy) {
#if __CUDA_ARCH__ >= 800
    if constexpr (HINT) return ld_policy(p, policy);
#endif
    if constexpr (LAST) return __ldcs(p);
    return *p;
}

template <typename E, int CL, int BATCH, bool HINT>
__device__ void span_masked_loss_split(const E* __restrict__ student, const E* __restrict__ teacher,
                                       const int* __restrict__ topk_index, const float* __restrict__ topk_logp,
                                       int topk, const int* __restrict__ labels, const int* __restrict__ spans,
                                       const float* __restrict__ coef, E* __restrict__ grad,
                                       float* __restrict__ row_kl, float* __restrict__ row_ce,
                                       int vocab, int stride, float temperature, int slice_elems) {
    constexpr int VEC = Group<E>::VEC;
    __shared__ RowStats warp_slots[WARPS];
    __shared__ RowStats block_stats;
    __shared__ RowStats row_stats;

    const int row = blockIdx.x / CL;
    const int rank = blockIdx.x % CL;  // == cluster block rank for a 1-D cluster of CL blocks
    const bool dense_teacher = teacher != nullptr;
    const Scales sc = scales_for(temperature);
    const RowPlan plan = plan_row(row, stride, labels, spans, coef);

    const long long lo = plan.start + min((long long)rank * slice_elems, (long long)vocab);
    const long long hi = plan.start + min((long long)(rank + 1) * slice_elems, (long long)vocab);
    const long long g0 = lo / VEC;
    const int groups = hi > lo ? (int)((hi + VEC - 1) / VEC - g0) : 0;

    if (!plan.kl && !plan.ce) {  // uniform across the cluster: no block reaches a cluster barrier
        zero_range(grad, lo, hi);
        if (rank == 0 && threadIdx.x == 0) { row_kl[row] = 0.f; row_ce[row] = 0.f; }
        return;
    }
    const bool load_teacher = plan.kl && dense_teacher;
    const uint4* zg = reinterpret_cast<const uint4*>(student) + g0;
    const uint4* ug = reinterpret_cast<const uint4*>(teacher) + g0;
    unsigned long long keep = 0, drop = 0;
    if constexpr (HINT) { keep = l2_policy_evict_last(); drop = l2_policy_evict_first(); }

    RowStats st = stats_empty();
    for (int base = threadIdx.x; base < groups; base += THREADS * BATCH) {
        uint4 zw[BATCH], uw[BATCH];
#pragma unroll
        for (int k = 0; k < BATCH; k++) {
            const int i = base + k * THREADS;
            if (i < groups) {
                zw[k] = ld_sweep<BATCH, HINT, false>(zg + i, keep);
                if (load_teacher) uw[k] = ld_sweep<BATCH, HINT, false>(ug + i, keep);
            }
        }
#pragma unroll
        for (int k = 0; k < BATCH; k++) {
            const int i = base + k * THREADS;
            if (i >= groups) break;
            float z[VEC], u[VEC];
            Group<E>::unpack(zw[k], z);
            if (load_teacher) Group<E>::unpack(uw[k], u);
            else {
#pragma unroll
                for (int e = 0; e < VEC; e++) u[e] = 0.f;
            }
            accumulate_group<VEC>(st, z, u, (g0 + i) * VEC, lo, hi, plan, dense_teacher, sc);
        }
    }
    if (plan.kl && !dense_teacher && rank == 0)
        accumulate_sparse_teacher(st, student, topk_index, topk_logp, topk, row, plan, sc);
    block_merge(st, warp_slots, &block_stats);

#if __CUDA_ARCH__ >= 900
    {
        cg::cluster_group cluster = cg::this_cluster();
        cluster.sync();
        if (threadIdx.x < 32) {
            RowStats x = threadIdx.x < CL ? *cluster.map_shared_rank(&block_stats, (int)threadIdx.x) : stats_empty();
            x = warp_merge(x);
            if (threadIdx.x == 0) row_stats = x;
        }
        asm volatile("barrier.cluster.arrive.release.aligned;\n" ::: "memory");
        __syncthreads();
    }
#endif

    const RowStats rs = row_stats;
    const RowFinal f = finish(rs, sc);
    if (rank == 0 && threadIdx.x == 0)
        write_row_parts(rs, f, plan, student, temperature, sc, row_kl, row_ce, row);

    // Sweep 2, backwards: group groups-1-i, so the groups read last in sweep 1 come first.
    for (int base = threadIdx.x; base < groups; base += THREADS * BATCH) {
        uint4 zw[BATCH], uw[BATCH];
#pragma unroll
        for (int k = 0; k < BATCH; k++) {
            const int i = groups - 1 - (base + k * THREADS);
            if (i >= 0) {
                zw[k] = ld_sweep<BATCH, HINT, true>(zg + i, drop);
                if (load_teacher) uw[k] = ld_sweep<BATCH, HINT, true>(ug + i, drop);
            }
        }
#pragma unroll
        for (int k = 0; k < BATCH; k++) {
            const int i = groups - 1 - (base + k * THREADS);
            if (i < 0) break;
            const long long g = g0 + i;
            float z[VEC], out[VEC];
            Group<E>::unpack(zw[k], z);
            float u[VEC];
            if (load_teacher) Group<E>::unpack(uw[k], u);
#pragma unroll
            for (int e = 0; e < VEC; e++) {
                const float p = load_teacher ? fast_exp2(fmaf(u[e], sc.a, -f.lc)) : 0.f;
                out[e] = grad_value(z[e], p, g * VEC + e - plan.start, plan, f, sc);
            }
            store_group<E>(grad, g, out, lo, hi);
        }
    }
    if (plan.kl && !dense_teacher)
        fix_sparse_support(grad, student, topk_index, topk_logp, topk, row, lo, hi, plan, f, sc);

#if __CUDA_ARCH__ >= 900
    // No block may leave while a peer could still be reading its block_stats.
    asm volatile("barrier.cluster.wait.acquire.aligned;\n" ::: "memory");
#endif
}

// ---------------------------------------------------------------------------------------------
// Entry points (C names, looked up by the host with cuModuleGetFunction).
// Parameters, in order: student, teacher (null for a sparse teacher), topk_index, topk_logp,
// topk, labels, spans, coef[8], grad, row_kl, row_ce, vocab, stride, temperature[, slice_elems].
// Row i of student, teacher and grad starts at element i * stride (stride >= vocab: the GPU
// trainer's logits tiles pad rows to a multiple of 16 elements, which cuBLAS's tensor-core
// products need for their leading dimension); the loss reads and writes columns [0, vocab).

#define LOSS_PARAMS(E)                                                                             \
    const E *student, const E *teacher, const int *topk_index, const float *topk_logp, int topk,  \
        const int *labels, const int *spans, const float *coef, E *grad, float *row_kl,            \
        float *row_ce, int vocab, int stride, float temperature
#define LOSS_ARGS student, teacher, topk_index, topk_logp, topk, labels, spans, coef, grad, row_kl, row_ce, vocab, stride, \
    temperature

#define STREAMING_ENTRY(NAME, E)                                                                   \
    extern "C" __global__ void __launch_bounds__(THREADS) NAME(LOSS_PARAMS(E)) {                   \
        span_masked_loss_streaming<E>(LOSS_ARGS);                                                  \
    }

// Split-streaming entries: MINB blocks per SM sizes the register budget (2: 64 registers; 3: 40),
// BATCH groups per tensor in flight per thread (the largest that does not spill at that budget).
#define SPLIT_ENTRY(NAME, E, CL, MINB, BATCH, HINT)                                                \
    extern "C" __global__ void __cluster_dims__(CL, 1, 1) __launch_bounds__(THREADS, MINB)         \
        NAME(LOSS_PARAMS(E), int slice_elems) {                                                    \
        span_masked_loss_split<E, CL, BATCH, HINT>(LOSS_ARGS, slice_elems);                        \
    }

STREAMING_ENTRY(span_masked_loss_f32_streaming, float)
STREAMING_ENTRY(span_masked_loss_bf16_streaming, bf16_bits)

// Thread-block clusters exist from sm_90 on; the portable PTX has only the kernels above.
#if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 900
SPLIT_ENTRY(span_masked_loss_f32_split_c4_o3, float, 4, 3, 1, false)
SPLIT_ENTRY(span_masked_loss_f32_split_c8_o3, float, 8, 3, 1, false)
SPLIT_ENTRY(span_masked_loss_f32_split_c8_o4, float, 8, 4, 1, false)
#endif
