// The layers of the decoder-only transformers (GPT-2, Llama, Qwen2, Qwen3) on the GPU: every
// kernel of a training step except the matrix products (cuBLAS) and the loss
// (span_masked_loss.cu). Each kernel is the GPU twin of a CPU method in TransformerLm.java (named
// in its comment) and is checked against it by the device script (training-engine/gpu/).
//
// Naming key, stated once: B batch rows, T positions per row, N = B*T positions, C channels,
// V vocabulary, NH query heads, NKV key/value heads, HS head size, FF the MLP's inner size.
// Every tensor is row-major.
//
// Precision. Activations on the residual stream, matrix-product outputs, statistics and every
// gradient of a weight are float32. A tensor that is an OPERAND of a matrix product (a norm's
// output, attention's q/k/v/probabilities, the MLP activation, the gradients fed back through a
// product) is stored in the "product type" P: float32 (--precision fp32/tf32) or bfloat16
// (--precision bf16). Kernels that write such a tensor come in two entries, ..._f32 and ..._bf16,
// by their output's type; they compute in float32 either way.
//
// Determinism. No kernel uses atomics: every sum runs in a fixed order (weight gradients of the
// norms and biases through per-block partial sums reduced by column_reduce in block order;
// embedding gradients by buckets of equal ids built on the host). Together with cuBLAS (same
// algorithm for the same shapes) a step is a pure function of its inputs, so a resumed run
// repeats an uninterrupted one bit for bit on the same GPU.

#define WARP 32
#define IGNORE_INDEX (-100)

typedef unsigned short bf16;

// --------------------------------------------------------------------------------------------
// Stores in the product type. bfloat16 rounds to nearest even, as the Java side does.

__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ float to_float(bf16 x) { return __uint_as_float(((unsigned int)x) << 16); }

__device__ __forceinline__ void store(float* p, float v) { *p = v; }
__device__ __forceinline__ void store(bf16* p, float v) {
    unsigned int u = __float_as_uint(v);
    if ((u & 0x7fffffffu) > 0x7f800000u) { *p = (bf16)0x7fc0u; return; }
    *p = (bf16)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

__device__ __forceinline__ double warp_sum_double(double v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Entry points: ENTRY_P(name, (params naming P), (args)) defines name_f32 and name_bf16 from the
// template name<P>; P is float or bf16 inside each.
#define ENTRY_P(NAME, PARAMS, ARGS)                                                              \
    namespace NAME##_f32_entry {                                                                 \
        typedef float P;                                                                         \
        extern "C" __global__ void NAME##_f32 PARAMS { NAME<P> ARGS; }                           \
    }                                                                                            \
    namespace NAME##_bf16_entry {                                                                \
        typedef bf16 P;                                                                          \
        extern "C" __global__ void NAME##_bf16 PARAMS { NAME<P> ARGS; }                          \
    }

// ============================================================================================
// Conversions

// TransformerLm keeps no copies; here a float32 tensor becomes a product operand (the bf16
// weights after the optimizer, the residual gradient before a product).
extern "C" __global__ void convert_f32_bf16(const float* __restrict__ src, bf16* __restrict__ dst, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        store(dst + i, src[i]);
}

// ============================================================================================
// Embedding (embeddingForward / embeddingBackward)

// out[n] = wte[token[n]] (+ wpe[position[n]] for GPT-2); zero at padding (position -1).
extern "C" __global__ void embedding_forward(const int* __restrict__ tokens, const int* __restrict__ positions,
                                             const float* __restrict__ wte, const float* __restrict__ wpe,
                                             float* __restrict__ out, int N, int C) {
    long long total = (long long)N * C;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        int n = (int)(i / C), c = (int)(i % C);
        int pos = positions[n];
        float v = 0.f;
        if (pos >= 0) {
            v = wte[(long long)tokens[n] * C + c];
            if (wpe != nullptr) v += wpe[(long long)pos * C + c];
        }
        out[i] = v;
    }
}

// One block per distinct id (a token id, or a position id for wpe): the host lists, per id, the
// rows holding it in increasing order (CSR: starts[b]..starts[b+1] into rows[]); the block adds
// those rows of dout into dw[id], threads over channels. No two blocks share an id: no atomics.
extern "C" __global__ void embedding_backward(const int* __restrict__ ids, const int* __restrict__ starts,
                                              const int* __restrict__ rows, const float* __restrict__ dout,
                                              float* __restrict__ dw, int C) {
    int b = blockIdx.x;
    long long id = ids[b];
    int from = starts[b], to = starts[b + 1];
    for (int c = threadIdx.x; c < C; c += blockDim.x) {
        float acc = dw[id * C + c];
        for (int j = from; j < to; j++) acc += dout[(long long)rows[j] * C + c];
        dw[id * C + c] = acc;
    }
}

// ============================================================================================
// Column sums in a fixed order (the weight gradients of norms and biases)

// dst[j] += sum over b = 0..blocks-1 of partial[b * stride + j] for j < width, in that order.
extern "C" __global__ void column_reduce(const float* __restrict__ partial, int blocks, int width, int stride,
                                         float* __restrict__ dst) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= width) return;
    float acc = 0.f;
    for (int b = 0; b < blocks; b++) acc += partial[(long long)b * stride + j];
    dst[j] += acc;
}

// Linear.backward's db: partial[block][j] = sum of dy[r][j] over the block's rows (ROWS_PER_BLOCK).
#define ROWS_PER_BLOCK 64

template <typename P>
__device__ void bias_grad_partial(const P* __restrict__ dy, float* __restrict__ partial, int rows, int width) {
    int r0 = blockIdx.x * ROWS_PER_BLOCK, r1 = min(rows, r0 + ROWS_PER_BLOCK);
    for (int j = threadIdx.x; j < width; j += blockDim.x) {
        float acc = 0.f;
        for (int r = r0; r < r1; r++) acc += to_float(dy[(long long)r * width + j]);
        partial[(long long)blockIdx.x * width + j] = acc;
    }
}
ENTRY_P(bias_grad_partial, (const P* dy, float* partial, int rows, int width), (dy, partial, rows, width))

// Linear.forward's bias: y[r][j] += b[j].
extern "C" __global__ void add_bias(float* __restrict__ y, const float* __restrict__ b, int rows, int width) {
    long long total = (long long)rows * width;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x)
        y[i] += b[i % width];
}

// ============================================================================================
// LayerNorm (layerNormForward / layerNormBackward): one warp per row, 8 rows per block.

template <typename P>
__device__ void layernorm_forward(const float* __restrict__ x, const float* __restrict__ w, const float* __restrict__ b,
                                  P* __restrict__ out, float* __restrict__ mean, float* __restrict__ rstd,
                                  int rows, int D, float eps) {
    int r = blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP;
    int lane = threadIdx.x % WARP;
    if (r >= rows) return;
    const float* xr = x + (long long)r * D;
    float s = 0.f;
    for (int i = lane; i < D; i += WARP) s += xr[i];
    float m = warp_sum(s) / D;
    float v = 0.f;
    for (int i = lane; i < D; i += WARP) { float d = xr[i] - m; v += d * d; }
    float rs = rsqrtf(warp_sum(v) / D + eps);
    P* o = out + (long long)r * D;
    for (int i = lane; i < D; i += WARP) store(o + i, (xr[i] - m) * rs * w[i] + b[i]);
    if (lane == 0) { mean[r] = m; rstd[r] = rs; }
}
ENTRY_P(layernorm_forward,
        (const float* x, const float* w, const float* b, P* out, float* mean, float* rstd, int rows, int D, float eps),
        (x, w, b, out, mean, rstd, rows, D, eps))

// dx += rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dout * w (rows: a warp each), then the
// block's partial sums of dw (dout * xhat) and db (dout) over its ROWS_PER_BLOCK rows, by column.
// partial is [blocks, 2D]: dw's part, then db's.
extern "C" __global__ void layernorm_backward(const float* __restrict__ dout, const float* __restrict__ x,
                                              const float* __restrict__ mean, const float* __restrict__ rstd,
                                              const float* __restrict__ w, float* __restrict__ dx,
                                              float* __restrict__ partial, int rows, int D) {
    int r0 = blockIdx.x * ROWS_PER_BLOCK, r1 = min(rows, r0 + ROWS_PER_BLOCK);
    int warps = blockDim.x / WARP, lane = threadIdx.x % WARP;
    for (int r = r0 + threadIdx.x / WARP; r < r1; r += warps) {
        const float* xr = x + (long long)r * D;
        const float* dr = dout + (long long)r * D;
        float m = mean[r], s = rstd[r];
        float gs = 0.f, gx = 0.f;
        for (int i = lane; i < D; i += WARP) {
            float g = dr[i] * w[i];
            gs += g;
            gx += g * (xr[i] - m) * s;
        }
        gs = warp_sum(gs) / D;
        gx = warp_sum(gx) / D;
        float* dxr = dx + (long long)r * D;
        for (int i = lane; i < D; i += WARP) {
            float xhat = (xr[i] - m) * s;
            dxr[i] += s * (dr[i] * w[i] - gs - xhat * gx);
        }
    }
    if (partial == nullptr) return;
    for (int i = threadIdx.x; i < D; i += blockDim.x) {
        float aw = 0.f, ab = 0.f;
        for (int r = r0; r < r1; r++) {
            float d = dout[(long long)r * D + i];
            aw += d * (x[(long long)r * D + i] - mean[r]) * rstd[r];
            ab += d;
        }
        partial[(long long)blockIdx.x * 2 * D + i] = aw;
        partial[(long long)blockIdx.x * 2 * D + D + i] = ab;
    }
}

// ============================================================================================
// RMSNorm (rmsNormForward / rmsNormBackward), also Qwen3's per-head q/k norm (rows = N*heads, D = HS).

template <typename P>
__device__ void rmsnorm_forward(const float* __restrict__ x, const float* __restrict__ w, P* __restrict__ out,
                                float* __restrict__ rstd, int rows, int D, float eps) {
    int r = blockIdx.x * (blockDim.x / WARP) + threadIdx.x / WARP;
    int lane = threadIdx.x % WARP;
    if (r >= rows) return;
    const float* xr = x + (long long)r * D;
    float ss = 0.f;
    for (int i = lane; i < D; i += WARP) ss += xr[i] * xr[i];
    float rs = rsqrtf(warp_sum(ss) / D + eps);
    P* o = out + (long long)r * D;
    for (int i = lane; i < D; i += WARP) store(o + i, w[i] * (xr[i] * rs));
    if (lane == 0) rstd[r] = rs;
}
ENTRY_P(rmsnorm_forward, (const float* x, const float* w, P* out, float* rstd, int rows, int D, float eps),
        (x, w, out, rstd, rows, D, eps))

// dx += rstd * (g - xhat * mean(g * xhat)), g = dout * w; partial [blocks, D] of dw = dout * xhat.
extern "C" __global__ void rmsnorm_backward(const float* __restrict__ dout, const float* __restrict__ x,
                                            const float* __restrict__ rstd, const float* __restrict__ w,
                                            float* __restrict__ dx, float* __restrict__ partial, int rows, int D) {
    int r0 = blockIdx.x * ROWS_PER_BLOCK, r1 = min(rows, r0 + ROWS_PER_BLOCK);
    int warps = blockDim.x / WARP, lane = threadIdx.x % WARP;
    for (int r = r0 + threadIdx.x / WARP; r < r1; r += warps) {
        const float* xr = x + (long long)r * D;
        const float* dr = dout + (long long)r * D;
        float s = rstd[r];
        float gx = 0.f;
        for (int i = lane; i < D; i += WARP) gx += dr[i] * w[i] * xr[i] * s;
        gx = warp_sum(gx) / D;
        float* dxr = dx + (long long)r * D;
        for (int i = lane; i < D; i += WARP) dxr[i] += s * (dr[i] * w[i] - xr[i] * s * gx);
    }
    if (partial == nullptr) return;
    for (int i = threadIdx.x; i < D; i += blockDim.x) {
        float aw = 0.f;
        for (int r = r0; r < r1; r++) aw += dout[(long long)r * D + i] * x[(long long)r * D + i] * rstd[r];
        partial[(long long)blockIdx.x * D + i] = aw;
    }
}

// ============================================================================================
// RoPE (ropeForward / ropeBackward), in place on [N, heads, HS]. cos/sin are tables by position,
// [P, HS/2], built on the host by TransformerLm's own code (so both engines rotate by the same
// float32 angles) once per model; padding (position -1) uses position 0's row, as the CPU does.

// Rotates each (k, k + HS/2) pair of every head by its position's angle times `direction`: +1 is
// the forward; -1 the backward, whose gradient is the inverse rotation (the transpose).
__device__ __forceinline__ void rope_rotate(float* __restrict__ x, const float* __restrict__ cosines,
                                            const float* __restrict__ sines, const int* __restrict__ positions,
                                            int N, int heads, int HS, float direction) {
    int half = HS / 2;
    long long total = (long long)N * heads * half;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        int k = (int)(i % half);
        long long nh = i / half;
        int n = (int)(nh / heads);
        long long row = (long long)max(positions[n], 0) * half + k;
        float c = cosines[row], s = direction * sines[row];
        float* o = x + nh * HS;
        float a = o[k], b = o[k + half];
        o[k] = a * c - b * s;
        o[k + half] = b * c + a * s;
    }
}

extern "C" __global__ void rope_forward(float* __restrict__ x, const float* __restrict__ cosines,
                                        const float* __restrict__ sines, const int* __restrict__ positions,
                                        int N, int heads, int HS) {
    rope_rotate(x, cosines, sines, positions, N, heads, HS, 1.f);
}

extern "C" __global__ void rope_backward(float* __restrict__ dx, const float* __restrict__ cosines,
                                         const float* __restrict__ sines, const int* __restrict__ positions,
                                         int N, int heads, int HS) {
    rope_rotate(dx, cosines, sines, positions, N, heads, HS, -1.f);
}

// ============================================================================================
// Attention (attentionForward / attentionBackward) as products over heads: q, k, v are laid out
// per head, [B, NH, T, HS] (k and v repeated over the NH/NKV query heads of their group), the
// scores S = q.k^T and y = P.v are strided-batched products, and the kernels here do the
// re-layout and the masked softmax. The mask: key t' of query t counts when
// seq_start[t] <= t' <= t (seq_start restarts at each packed sequence, -1 at padding).

// dst[b, h, t, :] = src[(b*T + t) * stride + offset + (h / group) * HS + :], h < NH.
template <typename P>
__device__ void heads_split(const float* __restrict__ src, int stride, int offset, P* __restrict__ dst,
                            int B, int T, int NH, int HS, int group) {
    long long total = (long long)B * NH * T * HS;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        int d = (int)(i % HS);
        long long r = i / HS;
        int t = (int)(r % T);
        r /= T;
        int h = (int)(r % NH);
        int b = (int)(r / NH);
        store(dst + i, src[((long long)b * T + t) * stride + offset + (long long)(h / group) * HS + d]);
    }
}
ENTRY_P(heads_split, (const float* src, int stride, int offset, P* dst, int B, int T, int NH, int HS, int group),
        (src, stride, offset, dst, B, T, NH, HS, group))

// y[(b*T + t), h*HS + :] = yh[b, h, t, :] (the attention output, an operand of the output projection).
template <typename P>
__device__ void heads_merge(const float* __restrict__ yh, P* __restrict__ y, int B, int T, int NH, int HS) {
    long long total = (long long)B * T * NH * HS;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        int d = (int)(i % HS);
        long long r = i / HS;
        int h = (int)(r % NH);
        long long n = r / NH;
        int t = (int)(n % T), b = (int)(n / T);
        store(y + i, yh[(((long long)b * NH + h) * T + t) * HS + d]);
    }
}
ENTRY_P(heads_merge, (const float* yh, P* y, int B, int T, int NH, int HS), (yh, y, B, T, NH, HS))

// The backward of heads_split: dst[(b*T+t)*stride + offset + g*HS + :] = sum over the query heads
// h of group g (in order) of dh[b, h, t, :]; overwrites dst.
extern "C" __global__ void heads_merge_grad(const float* __restrict__ dh, float* __restrict__ dst, int stride, int offset,
                                           int B, int T, int NH, int HS, int group) {
    int NG = NH / group;
    long long total = (long long)B * T * NG * HS;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        int d = (int)(i % HS);
        long long r = i / HS;
        int g = (int)(r % NG);
        long long n = r / NG;
        int t = (int)(n % T), b = (int)(n / T);
        float acc = 0.f;
        for (int h = g * group; h < (g + 1) * group; h++) acc += dh[(((long long)b * NH + h) * T + t) * HS + d];
        dst[n * stride + offset + (long long)g * HS + d] = acc;
    }
}

// Row (b, h, t) of the scores: p = softmax(scale * s) over the valid keys, 0 elsewhere. A warp a row.
template <typename P>
__device__ void attention_softmax_forward(const float* __restrict__ scores, P* __restrict__ probs,
                                          const int* __restrict__ seq_start, int B, int NH, int T, float scale) {
    long long row = blockIdx.x * (long long)(blockDim.x / WARP) + threadIdx.x / WARP;
    int lane = threadIdx.x % WARP;
    if (row >= (long long)B * NH * T) return;
    int t = (int)(row % T);
    int b = (int)(row / ((long long)NH * T));
    int start = seq_start[(long long)b * T + t];
    const float* s = scores + row * T;
    P* p = probs + row * T;
    if (start < 0) {
        for (int j = lane; j < T; j += WARP) store(p + j, 0.f);
        return;
    }
    float m = -INFINITY;
    for (int j = start + lane; j <= t; j += WARP) m = fmaxf(m, s[j] * scale);
    m = warp_max(m);
    float sum = 0.f;
    for (int j = start + lane; j <= t; j += WARP) sum += expf(s[j] * scale - m);
    float inv = 1.f / warp_sum(sum);
    for (int j = lane; j < T; j += WARP) store(p + j, (j >= start && j <= t) ? expf(s[j] * scale - m) * inv : 0.f);
}
ENTRY_P(attention_softmax_forward, (const float* scores, P* probs, const int* seq_start, int B, int NH, int T, float scale),
        (scores, probs, seq_start, B, NH, T, scale))

// ds = p * (dp - sum(p * dp)) * scale over the valid keys (0 elsewhere); dp = dy . v^T in.
// dscores may be dprobs itself (float32 products): each element is read, then written, by one thread.
template <typename P>
__device__ void attention_softmax_backward(const P* __restrict__ probs, const float* dprobs,
                                           P* dscores, const int* __restrict__ seq_start,
                                           int B, int NH, int T, float scale) {
    long long row = blockIdx.x * (long long)(blockDim.x / WARP) + threadIdx.x / WARP;
    int lane = threadIdx.x % WARP;
    if (row >= (long long)B * NH * T) return;
    int t = (int)(row % T);
    int b = (int)(row / ((long long)NH * T));
    int start = seq_start[(long long)b * T + t];
    const P* p = probs + row * T;
    const float* dp = dprobs + row * T;
    P* ds = dscores + row * T;
    float pdp = 0.f;
    if (start >= 0)
        for (int j = start + lane; j <= t; j += WARP) pdp += to_float(p[j]) * dp[j];
    pdp = warp_sum(pdp);
    for (int j = lane; j < T; j += WARP) {
        bool valid = start >= 0 && j >= start && j <= t;
        store(ds + j, valid ? to_float(p[j]) * (dp[j] - pdp) * scale : 0.f);
    }
}
ENTRY_P(attention_softmax_backward,
        (const P* probs, const float* dprobs, P* dscores, const int* seq_start, int B, int NH, int T, float scale),
        (probs, dprobs, dscores, seq_start, B, NH, T, scale))

// ============================================================================================
// GELU, tanh approximation (geluForward / geluBackward)

#define GELU_SCALE 0.7978845608028654f

template <typename P>
__device__ void gelu_forward(const float* __restrict__ x, P* __restrict__ out, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        float v = x[i];
        float u = GELU_SCALE * (v + 0.044715f * v * v * v);
        store(out + i, 0.5f * v * (1.f + tanhf(u)));
    }
}
ENTRY_P(gelu_forward, (const float* x, P* out, long long n), (x, out, n))

// dx = dout * gelu'(x), written in the product type (it is the operand of c_fc's backward).
template <typename P>
__device__ void gelu_backward(const float* __restrict__ dout, const float* __restrict__ x, P* __restrict__ dx, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        float v = x[i];
        float u = GELU_SCALE * (v + 0.044715f * v * v * v);
        float th = tanhf(u);
        float sech2 = 1.f - th * th;
        float grad = 0.5f * (1.f + th) + 0.5f * v * sech2 * GELU_SCALE * (1.f + 3.f * 0.044715f * v * v);
        store(dx + i, dout[i] * grad);
    }
}
ENTRY_P(gelu_backward, (const float* dout, const float* x, P* dx, long long n), (dout, x, dx, n))

// ============================================================================================
// SwiGLU (swigluForward / swigluBackward): out = silu(gate) * up.

template <typename P>
__device__ void swiglu_forward(const float* __restrict__ gate, const float* __restrict__ up, P* __restrict__ out, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        float g = gate[i];
        store(out + i, g / (1.f + expf(-g)) * up[i]);
    }
}
ENTRY_P(swiglu_forward, (const float* gate, const float* up, P* out, long long n), (gate, up, out, n))

template <typename P>
__device__ void swiglu_backward(const float* __restrict__ dout, const float* __restrict__ gate, const float* __restrict__ up,
                                P* __restrict__ dgate, P* __restrict__ dup, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        float g = gate[i];
        float sig = 1.f / (1.f + expf(-g));
        float d = dout[i];
        store(dup + i, d * g * sig);
        store(dgate + i, d * up[i] * sig * (1.f + g * (1.f - sig)));
    }
}
ENTRY_P(swiglu_backward, (const float* dout, const float* gate, const float* up, P* dgate, P* dup, long long n),
        (dout, gate, up, dgate, dup, n))

// ============================================================================================
// The loss positions: the final norm's rows at the supervised positions, in chunks (Gather.rows),
// and their gradient back into [N, C] (Gather.scatter). rows[] are distinct.

template <typename P>
__device__ void gather_rows(const P* __restrict__ src, const int* __restrict__ rows, P* __restrict__ dst, int n, int C) {
    long long total = (long long)n * C;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        int r = (int)(i / C), c = (int)(i % C);
        dst[i] = src[(long long)rows[r] * C + c];
    }
}
ENTRY_P(gather_rows, (const P* src, const int* rows, P* dst, int n, int C), (src, rows, dst, n, C))

extern "C" __global__ void scatter_rows(const float* __restrict__ src, const int* __restrict__ rows, float* __restrict__ dst,
                                        int n, int C) {
    long long total = (long long)n * C;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        int r = (int)(i / C), c = (int)(i % C);
        dst[(long long)rows[r] * C + c] = src[i];
    }
}

// ============================================================================================
// The optimizer (GradientClipping, AdamW)

// Both kernels work on every trainable tensor in ONE launch (a step has some 150 of them for GPT-2;
// one launch each cost more host time than the arithmetic). The work is cut into GradientClipping's
// chunks of CHUNK elements, numbered tensor after tensor; block b takes chunk b, and finds its
// tensor in the slot table by the chunk numbering.

// One trainable tensor as the multi-tensor kernels see it. Written on the device by tensor_slot,
// once per tensor when training starts (JCuda does not hand out a device pointer's address, so the
// host cannot write the table itself), then read by every step. Eight 8-byte fields.
struct TensorSlot {
    float* p;               // the float32 master weight
    float* g;               // its gradient
    float* m;               // AdamW's first moment
    float* v;               // AdamW's second moment
    bf16* p_copy;           // the bfloat16 product copy, or null
    long long n;            // elements
    long long first_chunk;  // the tensor's first chunk in the step's numbering
    long long decays;       // 1 when weight decay applies to the tensor, 0 when not
};
static_assert(sizeof(TensorSlot) == 64, "the host allocates 64 bytes a slot");

extern "C" __global__ void tensor_slot(TensorSlot* slots, int i, float* p, float* g, float* m, float* v, bf16* p_copy,
                                       long long n, long long first_chunk, int decays) {
    if (blockIdx.x == 0 && threadIdx.x == 0) slots[i] = TensorSlot{p, g, m, v, p_copy, n, first_chunk, (long long)decays};
}

// The slot whose chunks include `chunk`: the last one with first_chunk <= chunk (binary search).
__device__ __forceinline__ int slot_of_chunk(const TensorSlot* slots, int count, long long chunk) {
    int lo = 0, hi = count - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (slots[mid].first_chunk <= chunk) lo = mid; else hi = mid - 1;
    }
    return lo;
}

// partial[b] = sum of g[i]^2 in double over chunk b (GradientClipping's chunks; the host adds the
// chunk sums in order, as the CPU does).
extern "C" __global__ void sum_squares(const TensorSlot* __restrict__ slots, int count, int chunk,
                                       double* __restrict__ partial) {
    __shared__ double warp_part[32];
    const TensorSlot s = slots[slot_of_chunk(slots, count, blockIdx.x)];
    long long from = (blockIdx.x - s.first_chunk) * chunk;
    long long to = min(s.n, from + chunk);
    double acc = 0.0;
    for (long long i = from + threadIdx.x; i < to; i += blockDim.x) acc += (double)s.g[i] * s.g[i];
    acc = warp_sum_double(acc);
    if (threadIdx.x % WARP == 0) warp_part[threadIdx.x / WARP] = acc;
    __syncthreads();
    if (threadIdx.x == 0) {
        double sum = 0.0;
        for (int w = 0; w < (int)(blockDim.x / WARP); w++) sum += warp_part[w];
        partial[blockIdx.x] = sum;
    }
}

// AdamW.update, element by element with the same float32 operations in the same order (the _rn
// intrinsics stop the compiler from fusing a multiply and an add, so each result is rounded as
// Java rounds it): bit-identical to the CPU optimizer on the same inputs. clip_scale multiplies
// the gradient first when GradientClipping clipped (1 otherwise: g * 1 is g). A tensor that does
// not decay is multiplied by 1 (the CPU's 1 - lr * 0). The new weight also goes to the bfloat16
// product copy when the tensor has one. One block per chunk, as sum_squares.
extern "C" __global__ void adamw(const TensorSlot* __restrict__ slots, int count, int chunk, float decay, float step_size,
                                 float bias2_sqrt, float b1, float b2, float one_minus_b1, float one_minus_b2, float eps,
                                 float clip_scale, int clipped) {
    const TensorSlot s = slots[slot_of_chunk(slots, count, blockIdx.x)];
    long long from = (blockIdx.x - s.first_chunk) * chunk;
    long long to = min(s.n, from + chunk);
    float d = s.decays ? decay : 1.f;
    for (long long i = from + threadIdx.x; i < to; i += blockDim.x) {
        float gi = s.g[i];
        if (clipped) { gi = __fmul_rn(gi, clip_scale); s.g[i] = gi; }
        float pi = __fmul_rn(s.p[i], d);
        float mi = __fadd_rn(__fmul_rn(s.m[i], b1), __fmul_rn(one_minus_b1, gi));
        float vi = __fadd_rn(__fmul_rn(s.v[i], b2), __fmul_rn(__fmul_rn(one_minus_b2, gi), gi));
        float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vi), bias2_sqrt), eps);
        s.m[i] = mi;
        s.v[i] = vi;
        float pn = __fadd_rn(pi, __fdiv_rn(__fmul_rn(step_size, mi), denom));
        s.p[i] = pn;
        if (s.p_copy != nullptr) store(s.p_copy + i, pn);
    }
}
