// Runs every kernel of transformer.cu on the CPU through cuda_emulation.h, with the grids
// CudaTransformerLm / CudaTraining launch them with, and compares each output with a
// double-precision reference written from the math of TransformerLm's layers (AdamW: bit for bit
// against a float re-implementation of AdamW.update). Shapes are small and odd (rows not multiples
// of 8 or 64, D 40/48, T 19, GQA 4/2 heads), the mask packs two sequences and padding into a row.
// Every element-wise kernel also runs on a single block to exercise its grid-stride loop (the
// warp-per-row kernels have no such loop: they always get the launcher's grid).
// A logic check for machines without a GPU; built and run by emulate_transformer.sh.
#include "cuda_emulation.h"
#include TRANSFORMER_SOURCE

// ENTRY_P puts each extern "C" entry in a namespace of its own.
using bias_grad_partial_f32_entry::bias_grad_partial_f32;
using bias_grad_partial_bf16_entry::bias_grad_partial_bf16;
using layernorm_forward_f32_entry::layernorm_forward_f32;
using layernorm_forward_bf16_entry::layernorm_forward_bf16;
using rmsnorm_forward_f32_entry::rmsnorm_forward_f32;
using rmsnorm_forward_bf16_entry::rmsnorm_forward_bf16;
using heads_split_f32_entry::heads_split_f32;
using heads_split_bf16_entry::heads_split_bf16;
using heads_merge_f32_entry::heads_merge_f32;
using heads_merge_bf16_entry::heads_merge_bf16;
using attention_softmax_forward_f32_entry::attention_softmax_forward_f32;
using attention_softmax_forward_bf16_entry::attention_softmax_forward_bf16;
using attention_softmax_backward_f32_entry::attention_softmax_backward_f32;
using attention_softmax_backward_bf16_entry::attention_softmax_backward_bf16;
using gelu_forward_f32_entry::gelu_forward_f32;
using gelu_forward_bf16_entry::gelu_forward_bf16;
using gelu_backward_f32_entry::gelu_backward_f32;
using gelu_backward_bf16_entry::gelu_backward_bf16;
using swiglu_forward_f32_entry::swiglu_forward_f32;
using swiglu_forward_bf16_entry::swiglu_forward_bf16;
using swiglu_backward_f32_entry::swiglu_backward_f32;
using swiglu_backward_bf16_entry::swiglu_backward_bf16;
using gather_rows_f32_entry::gather_rows_f32;
using gather_rows_bf16_entry::gather_rows_bf16;

#include <cstdio>
#include <random>
#include <string>

typedef std::vector<double> Ref;

static int failures = 0;
static std::mt19937_64 rng(20261130);

static std::vector<float> randoms(size_t n, double scale = 1.0) {
    std::normal_distribution<double> d(0.0, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = (float)d(rng);
    return v;
}
static Ref widen(const std::vector<float>& v) { return Ref(v.begin(), v.end()); }

static bool is_bf16(const std::vector<float>&) { return false; }
static bool is_bf16(const std::vector<bf16>&) { return true; }

// max |got - ref| / max(max |ref|, 1e-30): the error relative to the tensor's scale.
template <typename T>
static void check(const std::string& name, const std::vector<T>& got, const Ref& ref, double tol) {
    double diff = 0, scale = 0;
    bool finite = got.size() == ref.size();
    for (size_t i = 0; finite && i < ref.size(); i++) {
        double g = to_float(got[i]);
        if (!std::isfinite(g)) { finite = false; break; }
        diff = std::max(diff, std::fabs(g - ref[i]));
        scale = std::max(scale, std::fabs(ref[i]));
    }
    double err = finite ? diff / std::max(scale, 1e-30) : INFINITY;
    bool ok = err <= tol;
    if (!ok) failures++;
    std::printf("%-4s %-58s err %.2e (tol %.0e, %zu values)\n", ok ? "ok" : "FAIL", name.c_str(), err, tol, ref.size());
}
static void check_exact(const std::string& name, bool ok, const std::string& what) {
    if (!ok) failures++;
    std::printf("%-4s %-58s %s\n", ok ? "ok" : "FAIL", name.c_str(), what.c_str());
}

template <typename P> static double tol_of() { return std::is_same<P, float>::value ? 1e-5 : 1e-2; }
template <typename P> static const char* suffix() { return std::is_same<P, float>::value ? "_f32" : "_bf16"; }

static int ew_grid(long long n) { return (int)std::max(1LL, std::min(4224LL, (n + 255) / 256)); }
static int blocks_for(long long n, int per) { return (int)std::max(1LL, (n + per - 1) / per); }
// The launcher's grid, then one block (the grid-stride loop covers the rest).
static const int SINGLE = -1;
static int grid_or_single(int mode, long long n) { return mode == SINGLE ? 1 : ew_grid(n); }
static const char* mode_name(int mode) { return mode == SINGLE ? " [1 block]" : ""; }

// Row starts of the mask (TransformerLm.sequenceStarts): row 0 holds two packed sequences then
// padding, row 1 one sequence then padding, row 2 starts with padding.
static std::vector<int> positions_for(int B, int T) {
    std::vector<int> pos(B * T);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            int n = b * T + t;
            if (b % 3 == 0) pos[n] = t < 7 ? t : t < 16 ? t - 7 : -1;
            else if (b % 3 == 1) pos[n] = t < 13 ? t : -1;
            else pos[n] = t < 3 ? -1 : t - 3;
        }
    return pos;
}
static std::vector<int> seq_starts(const std::vector<int>& pos, int B, int T) {
    std::vector<int> s(B * T);
    for (int b = 0; b < B; b++) {
        int start = -1;
        for (int t = 0; t < T; t++) {
            int n = b * T + t;
            if (pos[n] < 0) start = -1;
            else if (pos[n] == 0 || start < 0) start = t;
            s[n] = start;
        }
    }
    return s;
}

// ------------------------------------------------------------------------------------------------

static void check_convert(int mode) {
    long long n = 1003;
    auto x = randoms(n, 3.0);
    x[5] = NAN; x[6] = INFINITY; x[7] = -INFINITY;
    x[8] = __uint_as_float(0x3f808000u);  // a tie, rounds to even (down)
    x[9] = __uint_as_float(0x3f818000u);  // a tie, rounds to even (up)
    std::vector<bf16> y(n);
    emulate(grid_or_single(mode, n), 256, [&] { convert_f32_bf16(x.data(), y.data(), n); });
    bool ok = y[5] == 0x7fc0 && y[6] == 0x7f80 && y[7] == 0xff80 && y[8] == 0x3f80 && y[9] == 0x3f82;
    for (long long i = 10; i < n; i++) {
        unsigned u = __float_as_uint(x[i]);
        unsigned lo = u >> 16, hi = lo + 1;  // the two neighbours; nearest (ties even) wins
        double dl = std::fabs(x[i] - to_float((bf16)lo)), dh = std::fabs(x[i] - to_float((bf16)hi));
        unsigned want = dl < dh ? lo : dh < dl ? hi : (lo % 2 == 0 ? lo : hi);
        ok &= y[i] == want;
    }
    check_exact(std::string("convert_f32_bf16") + mode_name(mode), ok, "round to nearest even, NaN, inf, ties");
}

static void check_embedding(int mode, bool gpt2) {
    int B = 3, T = 19, N = B * T, C = 40, V = 11, maxT = 19;
    auto pos = positions_for(B, T);
    std::vector<int> tok(N);
    for (int n = 0; n < N; n++) tok[n] = (int)(rng() % V);
    auto wte = randoms((size_t)V * C), wpe = randoms((size_t)maxT * C);
    std::vector<float> out((size_t)N * C, 7.f);
    emulate(grid_or_single(mode, (long long)N * C), 256, [&] {
        embedding_forward(tok.data(), pos.data(), wte.data(), gpt2 ? wpe.data() : nullptr, out.data(), N, C);
    });
    Ref ref((size_t)N * C, 0.0);
    for (int n = 0; n < N; n++)
        if (pos[n] >= 0)
            for (int c = 0; c < C; c++) ref[(size_t)n * C + c] = (double)wte[tok[n] * C + c] + (gpt2 ? wpe[pos[n] * C + c] : 0.0);
    check(std::string("embedding_forward") + (gpt2 ? " (wte + wpe)" : " (wte)") + mode_name(mode), out, ref, 1e-6);

    if (mode == SINGLE) return;
    // embedding_backward: buckets of equal ids built as CudaTransformerLm does (rows increasing).
    auto dout = randoms((size_t)N * C);
    auto bucketed = [&](const std::vector<int>& idOf, int rows, const std::string& name) {
        std::vector<int> ids, starts, list;
        for (int id = 0; id < rows; id++) {
            std::vector<int> these;
            for (int n = 0; n < N; n++) if (pos[n] >= 0 && idOf[n] == id) these.push_back(n);
            if (these.empty()) continue;
            ids.push_back(id);
            starts.push_back((int)list.size());
            list.insert(list.end(), these.begin(), these.end());
        }
        starts.push_back((int)list.size());
        auto dw = randoms((size_t)rows * C);  // accumulates into what is there
        Ref ref = widen(dw);
        for (int n = 0; n < N; n++)
            if (pos[n] >= 0) for (int c = 0; c < C; c++) ref[(size_t)idOf[n] * C + c] += dout[(size_t)n * C + c];
        emulate((int)ids.size(), 256, [&] { embedding_backward(ids.data(), starts.data(), list.data(), dout.data(), dw.data(), C); });
        check(name, dw, ref, 1e-6);
    };
    bucketed(tok, V, "embedding_backward (wte, one block per token id)");
    bucketed(pos, maxT, "embedding_backward (wpe, one block per position id)");
}

// The launcher's column sums: partial [blocks, stride] into dst[width] (+=).
static void reduce_columns(const std::vector<float>& partial, int blocks, int width, int stride, std::vector<float>& dst) {
    emulate(blocks_for(width, 256), 256, [&] { column_reduce(partial.data(), blocks, width, stride, dst.data()); });
}

static void check_column_reduce() {
    int blocks = 5, width = 300, stride = 313;
    auto partial = randoms((size_t)blocks * stride), dst = randoms(width + 7);
    Ref ref = widen(dst);
    for (int j = 0; j < width; j++) for (int b = 0; b < blocks; b++) ref[j] += partial[(size_t)b * stride + j];
    reduce_columns(partial, blocks, width, stride, dst);
    check("column_reduce (width 300 > one block, stride 313, tail kept)", dst, ref, 1e-6);
}

template <typename P>
static void check_bias_grad() {
    int rows = 150, width = 40;
    auto dy32 = randoms((size_t)rows * width);
    std::vector<P> dy(dy32.size());
    for (size_t i = 0; i < dy.size(); i++) store(&dy[i], dy32[i]);
    int blocks = blocks_for(rows, ROWS_PER_BLOCK);
    std::vector<float> partial((size_t)blocks * width), db = randoms(width);
    Ref ref = widen(db);
    for (int r = 0; r < rows; r++) for (int j = 0; j < width; j++) ref[j] += to_float(dy[(size_t)r * width + j]);
    emulate(blocks, 256, [&] {
        if constexpr (std::is_same<P, float>::value) bias_grad_partial_f32(dy.data(), partial.data(), rows, width);
        else bias_grad_partial_bf16(dy.data(), partial.data(), rows, width);
    });
    reduce_columns(partial, blocks, width, width, db);
    check(std::string("bias_grad_partial") + suffix<P>() + " + column_reduce (150 rows, 3 blocks)", db, ref, 1e-5);
}

static void check_add_bias(int mode) {
    int rows = 150, width = 48;
    auto y = randoms((size_t)rows * width), b = randoms(width);
    Ref ref = widen(y);
    for (int r = 0; r < rows; r++) for (int j = 0; j < width; j++) ref[(size_t)r * width + j] += b[j];
    emulate(grid_or_single(mode, (long long)rows * width), 256, [&] { add_bias(y.data(), b.data(), rows, width); });
    check(std::string("add_bias") + mode_name(mode), y, ref, 1e-6);
}

// ------------------------------------------------------------------------------------------------ norms

template <typename P>
static void check_layernorm(int rows, int D) {
    float eps = 1e-5f;
    auto x = randoms((size_t)rows * D, 2.0), w = randoms(D), b = randoms(D);
    for (size_t i = 0; i < x.size(); i++) x[i] += 0.5f;  // a mean away from zero
    std::vector<P> out((size_t)rows * D);
    std::vector<float> mean(rows), rstd(rows);
    emulate(blocks_for(rows, 8), 256, [&] {
        if constexpr (std::is_same<P, float>::value) layernorm_forward_f32(x.data(), w.data(), b.data(), out.data(), mean.data(), rstd.data(), rows, D, eps);
        else layernorm_forward_bf16(x.data(), w.data(), b.data(), out.data(), mean.data(), rstd.data(), rows, D, eps);
    });
    Ref ro((size_t)rows * D), rm(rows), rs(rows);
    for (int r = 0; r < rows; r++) {
        double m = 0, v = 0;
        for (int i = 0; i < D; i++) m += x[(size_t)r * D + i];
        m /= D;
        for (int i = 0; i < D; i++) v += (x[(size_t)r * D + i] - m) * (x[(size_t)r * D + i] - m);
        double s = 1 / std::sqrt(v / D + eps);
        rm[r] = m; rs[r] = s;
        for (int i = 0; i < D; i++) ro[(size_t)r * D + i] = (x[(size_t)r * D + i] - m) * s * w[i] + b[i];
    }
    std::string shape = " (" + std::to_string(rows) + "x" + std::to_string(D) + ")";
    check(std::string("layernorm_forward") + suffix<P>() + " out" + shape, out, ro, tol_of<P>());
    check(std::string("layernorm_forward") + suffix<P>() + " mean" + shape, mean, rm, 1e-5);
    check(std::string("layernorm_forward") + suffix<P>() + " rstd" + shape, rstd, rs, 1e-5);
    if (!std::is_same<P, float>::value) return;

    // backward: dx += ..., dw and db through the block partials and column_reduce.
    auto dout = randoms((size_t)rows * D), dx = randoms((size_t)rows * D), dw = randoms(D), db = randoms(D);
    Ref rdx = widen(dx), rdw = widen(dw), rdb = widen(db);
    for (int r = 0; r < rows; r++) {
        double gs = 0, gx = 0;
        for (int i = 0; i < D; i++) {
            double xhat = (x[(size_t)r * D + i] - (double)mean[r]) * rstd[r], g = (double)dout[(size_t)r * D + i] * w[i];
            gs += g; gx += g * xhat;
            rdw[i] += dout[(size_t)r * D + i] * xhat;
            rdb[i] += dout[(size_t)r * D + i];
        }
        gs /= D; gx /= D;
        for (int i = 0; i < D; i++) {
            double xhat = (x[(size_t)r * D + i] - (double)mean[r]) * rstd[r], g = (double)dout[(size_t)r * D + i] * w[i];
            rdx[(size_t)r * D + i] += rstd[r] * (g - gs - xhat * gx);
        }
    }
    int blocks = blocks_for(rows, ROWS_PER_BLOCK);
    std::vector<float> partial((size_t)blocks * 2 * D), dx2 = dx;
    emulate(blocks, 256, [&] { layernorm_backward(dout.data(), x.data(), mean.data(), rstd.data(), w.data(), dx.data(), partial.data(), rows, D); });
    // as CudaTransformerLm.layerNormBackward: dw from columns 0..D-1, db from D..2D-1, stride 2D
    emulate(blocks_for(D, 256), 256, [&] { column_reduce(partial.data(), blocks, D, 2 * D, dw.data()); });
    emulate(blocks_for(D, 256), 256, [&] { column_reduce(partial.data() + D, blocks, D, 2 * D, db.data()); });
    check("layernorm_backward dx" + shape, dx, rdx, 1e-5);
    check("layernorm_backward dw (partials + column_reduce)" + shape, dw, rdw, 1e-5);
    check("layernorm_backward db (partials + column_reduce)" + shape, db, rdb, 1e-5);
    emulate(blocks, 256, [&] { layernorm_backward(dout.data(), x.data(), mean.data(), rstd.data(), w.data(), dx2.data(), nullptr, rows, D); });
    check("layernorm_backward dx, partial = null" + shape, dx2, rdx, 1e-5);
}

template <typename P>
static void check_rmsnorm(int rows, int D) {
    float eps = 1e-6f;
    auto x = randoms((size_t)rows * D, 2.0), w = randoms(D);
    std::vector<P> out((size_t)rows * D);
    std::vector<float> rstd(rows);
    emulate(blocks_for(rows, 8), 256, [&] {
        if constexpr (std::is_same<P, float>::value) rmsnorm_forward_f32(x.data(), w.data(), out.data(), rstd.data(), rows, D, eps);
        else rmsnorm_forward_bf16(x.data(), w.data(), out.data(), rstd.data(), rows, D, eps);
    });
    Ref ro((size_t)rows * D), rs(rows);
    for (int r = 0; r < rows; r++) {
        double ss = 0;
        for (int i = 0; i < D; i++) ss += (double)x[(size_t)r * D + i] * x[(size_t)r * D + i];
        double s = 1 / std::sqrt(ss / D + eps);
        rs[r] = s;
        for (int i = 0; i < D; i++) ro[(size_t)r * D + i] = w[i] * (x[(size_t)r * D + i] * s);
    }
    std::string shape = " (" + std::to_string(rows) + "x" + std::to_string(D) + ")";
    check(std::string("rmsnorm_forward") + suffix<P>() + " out" + shape, out, ro, tol_of<P>());
    check(std::string("rmsnorm_forward") + suffix<P>() + " rstd" + shape, rstd, rs, 1e-5);
    if (!std::is_same<P, float>::value) return;

    auto dout = randoms((size_t)rows * D), dx = randoms((size_t)rows * D), dw = randoms(D);
    Ref rdx = widen(dx), rdw = widen(dw);
    for (int r = 0; r < rows; r++) {
        double gx = 0;
        for (int i = 0; i < D; i++) {
            double xhat = (double)x[(size_t)r * D + i] * rstd[r];
            gx += (double)dout[(size_t)r * D + i] * w[i] * xhat;
            rdw[i] += dout[(size_t)r * D + i] * xhat;
        }
        gx /= D;
        for (int i = 0; i < D; i++) {
            double xhat = (double)x[(size_t)r * D + i] * rstd[r];
            rdx[(size_t)r * D + i] += rstd[r] * ((double)dout[(size_t)r * D + i] * w[i] - xhat * gx);
        }
    }
    int blocks = blocks_for(rows, ROWS_PER_BLOCK);
    std::vector<float> partial((size_t)blocks * D), dx2 = dx;
    emulate(blocks, 256, [&] { rmsnorm_backward(dout.data(), x.data(), rstd.data(), w.data(), dx.data(), partial.data(), rows, D); });
    reduce_columns(partial, blocks, D, D, dw);
    check("rmsnorm_backward dx" + shape, dx, rdx, 1e-5);
    check("rmsnorm_backward dw (partials + column_reduce)" + shape, dw, rdw, 1e-5);
    emulate(blocks, 256, [&] { rmsnorm_backward(dout.data(), x.data(), rstd.data(), w.data(), dx2.data(), nullptr, rows, D); });
    check("rmsnorm_backward dx, partial = null" + shape, dx2, rdx, 1e-5);
}

// ------------------------------------------------------------------------------------------------ RoPE

static void check_rope(int mode) {
    // tables by position [P, half]; row n uses position positions[n] (padding, -1, uses row 0)
    int N = 57, heads = 2, HS = 16, half = HS / 2, P = 19;
    auto x = randoms((size_t)N * heads * HS);
    std::vector<int> positions(N);
    for (int n = 0; n < N; n++) positions[n] = n % 11 == 10 ? -1 : n % P;
    std::vector<float> cs((size_t)P * half), sn((size_t)P * half);
    for (int p = 0; p < P; p++)
        for (int k = 0; k < half; k++) {
            double angle = p * std::pow(10000.0, -2.0 * k / HS);
            cs[p * half + k] = (float)std::cos(angle);
            sn[p * half + k] = (float)std::sin(angle);
        }
    Ref fwd((size_t)N * heads * HS), bwd(fwd.size());
    for (int n = 0; n < N; n++)
        for (int h = 0; h < heads; h++)
            for (int k = 0; k < half; k++) {
                size_t o = ((size_t)n * heads + h) * HS;
                int row = std::max(positions[n], 0);
                double a = x[o + k], b = x[o + k + half], c = cs[row * half + k], s = sn[row * half + k];
                fwd[o + k] = a * c - b * s;  fwd[o + k + half] = b * c + a * s;   // rotate by +angle
                bwd[o + k] = a * c + b * s;  bwd[o + k + half] = b * c - a * s;   // the transpose
            }
    long long pairs = (long long)N * heads * half;
    std::vector<float> y = x, dy = x;
    emulate(grid_or_single(mode, pairs), 256, [&] { rope_forward(y.data(), cs.data(), sn.data(), positions.data(), N, heads, HS); });
    emulate(grid_or_single(mode, pairs), 256, [&] { rope_backward(dy.data(), cs.data(), sn.data(), positions.data(), N, heads, HS); });
    check(std::string("rope_forward (in place)") + mode_name(mode), y, fwd, 1e-6);
    check(std::string("rope_backward (in place)") + mode_name(mode), dy, bwd, 1e-6);
    emulate(grid_or_single(mode, pairs), 256, [&] { rope_backward(y.data(), cs.data(), sn.data(), positions.data(), N, heads, HS); });
    check(std::string("rope_backward(rope_forward(x)) = x") + mode_name(mode), y, widen(x), 1e-6);
}

// ------------------------------------------------------------------------------------------------ attention

// The whole attention of TransformerLm (attentionForward / attentionBackward) through the kernels,
// the four products done here in float32 as cuBLAS would, against a double reference computed
// from q, k, v directly in the [N, heads*HS] layout (no head split) with the packed-sequence mask.
// packed: GPT-2's one [N, 3C] qkv tensor (q, k, v at column offsets 0, C, 2C; dq, dk, dv into one
// [N, 3C] gradient); otherwise Llama's separate q [N, NH*HS], k and v [N, NKV*HS] (GQA).
template <typename P>
static void check_attention(int mode, bool packed) {
    int B = 3, T = 19, N = B * T, NH = 4, NKV = packed ? 4 : 2, HS = 16, group = NH / NKV;
    int C = NH * HS, KV = NKV * HS;
    float scale = (float)(1.0 / std::sqrt((double)HS));
    auto starts = seq_starts(positions_for(B, T), B, T);
    int qs = packed ? 3 * C : C, ks = packed ? 3 * C : KV, vs = packed ? 3 * C : KV;
    int qo = 0, ko = packed ? C : 0, vo = packed ? 2 * C : 0;
    std::vector<float> qkv, qb, kb, vb;
    if (packed) qkv = randoms((size_t)N * 3 * C, 1.5);
    else { qb = randoms((size_t)N * C, 1.5); kb = randoms((size_t)N * KV, 1.5); vb = randoms((size_t)N * KV); }
    const float* q = packed ? qkv.data() : qb.data();
    const float* k = packed ? qkv.data() : kb.data();
    const float* v = packed ? qkv.data() : vb.data();
    auto dY = randoms((size_t)N * C);

    // ---- reference
    Ref y((size_t)N * C, 0.0), dq((size_t)N * qs, 0.0), dk((size_t)N * ks, 0.0), dv((size_t)N * vs, 0.0);
    Ref probs((size_t)B * NH * T * T, 0.0);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            int g = h / group;
            for (int t = 0; t < T; t++) {
                int s0 = starts[b * T + t];
                if (s0 < 0) continue;
                size_t qr = (size_t)(b * T + t);
                std::vector<double> p(T, 0.0), dp(T, 0.0);
                double m = -INFINITY, z = 0, pdp = 0;
                for (int j = s0; j <= t; j++) {
                    double d = 0;
                    for (int c = 0; c < HS; c++) d += (double)q[qr * qs + qo + h * HS + c] * k[(size_t)(b * T + j) * ks + ko + g * HS + c];
                    p[j] = d * scale;
                    m = std::max(m, p[j]);
                }
                for (int j = s0; j <= t; j++) z += std::exp(p[j] - m);
                for (int j = s0; j <= t; j++) {
                    p[j] = std::exp(p[j] - m) / z;
                    probs[(((size_t)b * NH + h) * T + t) * T + j] = p[j];
                    size_t kr = (size_t)(b * T + j);
                    double d = 0;
                    for (int c = 0; c < HS; c++) {
                        y[qr * C + h * HS + c] += p[j] * v[kr * vs + vo + g * HS + c];
                        d += (double)dY[qr * C + h * HS + c] * v[kr * vs + vo + g * HS + c];
                    }
                    dp[j] = d;
                    pdp += p[j] * d;
                }
                for (int j = s0; j <= t; j++) {
                    double ds = p[j] * (dp[j] - pdp) * scale;
                    size_t kr = (size_t)(b * T + j);
                    for (int c = 0; c < HS; c++) {
                        dq[qr * qs + qo + h * HS + c] += ds * k[kr * ks + ko + g * HS + c];
                        dk[kr * ks + ko + g * HS + c] += ds * q[qr * qs + qo + h * HS + c];
                        dv[kr * vs + vo + g * HS + c] += p[j] * dY[qr * C + h * HS + c];
                    }
                }
            }
        }

    // ---- kernels, as CudaTransformerLm.attentionForward / attentionBackward launch them
    long long heads = (long long)B * NH * T * HS;
    int batch = B * NH, softmax_grid = blocks_for((long long)batch * T, 8), eg = grid_or_single(mode, heads);
    std::vector<P> qh(heads), kh(heads), vh(heads), att((size_t)batch * T * T), attnY((size_t)N * C);
    emulate(eg, 256, [&] {
        if constexpr (std::is_same<P, float>::value) {
            heads_split_f32(q, qs, qo, qh.data(), B, T, NH, HS, 1);
            heads_split_f32(k, ks, ko, kh.data(), B, T, NH, HS, group);
            heads_split_f32(v, vs, vo, vh.data(), B, T, NH, HS, group);
        } else {
            heads_split_bf16(q, qs, qo, qh.data(), B, T, NH, HS, 1);
            heads_split_bf16(k, ks, ko, kh.data(), B, T, NH, HS, group);
            heads_split_bf16(v, vs, vo, vh.data(), B, T, NH, HS, group);
        }
    });
    // the strided-batched products, float32 accumulation of the product-type operands
    auto product = [&](bool ta, bool tb, int M, int Nc, int K, auto* A, auto* Bm, std::vector<float>& out) {
        out.assign((size_t)batch * M * Nc, 0.f);
        for (int z = 0; z < batch; z++)
            for (int i = 0; i < M; i++)
                for (int j = 0; j < Nc; j++) {
                    float acc = 0.f;
                    for (int kk = 0; kk < K; kk++) {
                        float a = to_float(ta ? A[(size_t)z * K * M + (size_t)kk * M + i] : A[(size_t)z * M * K + (size_t)i * K + kk]);
                        float bb = to_float(tb ? Bm[(size_t)z * Nc * K + (size_t)j * K + kk] : Bm[(size_t)z * K * Nc + (size_t)kk * Nc + j]);
                        acc += a * bb;
                    }
                    out[((size_t)z * M + i) * Nc + j] = acc;
                }
    };
    std::vector<float> scores, yh, dyh32, dvh, dkh, dqh;
    product(false, true, T, T, HS, qh.data(), kh.data(), scores);
    emulate(softmax_grid, 256, [&] {
        if constexpr (std::is_same<P, float>::value) attention_softmax_forward_f32(scores.data(), att.data(), starts.data(), B, NH, T, scale);
        else attention_softmax_forward_bf16(scores.data(), att.data(), starts.data(), B, NH, T, scale);
    });
    product(false, false, T, HS, T, att.data(), vh.data(), yh);
    emulate(eg, 256, [&] {
        if constexpr (std::is_same<P, float>::value) heads_merge_f32(yh.data(), attnY.data(), B, T, NH, HS);
        else heads_merge_bf16(yh.data(), attnY.data(), B, T, NH, HS);
    });
    std::string name = std::string(packed ? " (GPT-2 packed qkv, NH 4)" : " (GQA NH 4 NKV 2)") + suffix<P>() + mode_name(mode);
    if (mode != SINGLE) {
        // the softmax on its own: masked keys exactly 0, padding rows all 0
        bool zeros = true;
        for (size_t i = 0; i < att.size(); i++) if (probs[i] == 0.0 && to_float(att[i]) != 0.f) zeros = false;
        check(std::string("attention_softmax_forward") + suffix<P>() + " probs", att, probs, tol_of<P>());
        check_exact(std::string("attention_softmax_forward") + suffix<P>() + " masked keys and padding", zeros, "exact zeros");
    }
    check("attention forward y: heads_split, softmax, heads_merge" + name, attnY, y, tol_of<P>() * 2);

    std::vector<P> dyh(heads), dscores((size_t)batch * T * T);
    emulate(eg, 256, [&] {
        if constexpr (std::is_same<P, float>::value) heads_split_f32(dY.data(), C, 0, dyh.data(), B, T, NH, HS, 1);
        else heads_split_bf16(dY.data(), C, 0, dyh.data(), B, T, NH, HS, 1);
    });
    std::vector<float> dprobs;
    product(false, true, T, T, HS, dyh.data(), vh.data(), dprobs);
    product(true, false, T, HS, T, att.data(), dyh.data(), dvh);
    bool in_place = std::is_same<P, float>::value && !packed;  // dscores == dprobs (the f32 case may alias)
    emulate(softmax_grid, 256, [&] {
        if constexpr (std::is_same<P, float>::value) {
            attention_softmax_backward_f32(att.data(), dprobs.data(), in_place ? dprobs.data() : dscores.data(), starts.data(), B, NH, T, scale);
        } else {
            attention_softmax_backward_bf16(att.data(), dprobs.data(), dscores.data(), starts.data(), B, NH, T, scale);
        }
    });
    if constexpr (std::is_same<P, float>::value) { if (in_place) dscores = dprobs; }
    product(false, false, T, HS, T, dscores.data(), kh.data(), dqh);
    product(true, false, T, HS, T, dscores.data(), qh.data(), dkh);
    // the outputs hold garbage first: heads_merge_grad overwrites (does not add)
    std::vector<float> gq = randoms((size_t)N * qs), gk, gv;
    if (!packed) { gk = randoms((size_t)N * ks); gv = randoms((size_t)N * vs); }
    float* dqp = gq.data();
    float* dkp = packed ? gq.data() : gk.data();
    float* dvp = packed ? gq.data() : gv.data();
    int gq_grid = grid_or_single(mode, (long long)B * T * NH * HS), gkv_grid = grid_or_single(mode, (long long)B * T * NKV * HS);
    emulate(gq_grid, 256, [&] { heads_merge_grad(dqh.data(), dqp, qs, qo, B, T, NH, HS, 1); });
    emulate(gkv_grid, 256, [&] { heads_merge_grad(dkh.data(), dkp, ks, ko, B, T, NH, HS, group); });
    emulate(gkv_grid, 256, [&] { heads_merge_grad(dvh.data(), dvp, vs, vo, B, T, NH, HS, group); });
    if (packed) {
        Ref all((size_t)N * 3 * C);
        for (size_t i = 0; i < all.size(); i++) all[i] = dq[i] + dk[i] + dv[i];  // disjoint columns
        check("attention backward dq|dk|dv into one [N, 3C]" + name, gq, all, tol_of<P>() * 2);
    } else {
        if (in_place) name += " (softmax backward in place)";
        check("attention backward dq (softmax_backward, heads_merge_grad)" + name, gq, dq, tol_of<P>() * 2);
        check("attention backward dk (summed over the group)" + name, gk, dk, tol_of<P>() * 2);
        check("attention backward dv (summed over the group)" + name, gv, dv, tol_of<P>() * 2);
    }
}

// ------------------------------------------------------------------------------------------------ MLP

template <typename P>
static void check_mlp(int mode) {
    long long n = 57 * 72;
    auto x = randoms(n, 2.0), up = randoms(n, 1.5), dout = randoms(n);
    std::vector<P> out(n), dx(n), dgate(n), dup(n), sw(n);
    emulate(grid_or_single(mode, n), 256, [&] {
        if constexpr (std::is_same<P, float>::value) {
            gelu_forward_f32(x.data(), out.data(), n);
            gelu_backward_f32(dout.data(), x.data(), dx.data(), n);
            swiglu_forward_f32(x.data(), up.data(), sw.data(), n);
            swiglu_backward_f32(dout.data(), x.data(), up.data(), dgate.data(), dup.data(), n);
        } else {
            gelu_forward_bf16(x.data(), out.data(), n);
            gelu_backward_bf16(dout.data(), x.data(), dx.data(), n);
            swiglu_forward_bf16(x.data(), up.data(), sw.data(), n);
            swiglu_backward_bf16(dout.data(), x.data(), up.data(), dgate.data(), dup.data(), n);
        }
    });
    Ref go(n), gd(n), so(n), sg(n), su(n);
    const double k = std::sqrt(2.0 / M_PI);
    for (long long i = 0; i < n; i++) {
        double v = x[i], u = k * (v + 0.044715 * v * v * v), th = std::tanh(u);
        go[i] = 0.5 * v * (1 + th);
        gd[i] = dout[i] * (0.5 * (1 + th) + 0.5 * v * (1 - th * th) * k * (1 + 3 * 0.044715 * v * v));
        double sig = 1 / (1 + std::exp(-v));
        so[i] = v * sig * up[i];
        su[i] = dout[i] * v * sig;
        sg[i] = dout[i] * up[i] * sig * (1 + v * (1 - sig));
    }
    std::string s = std::string(suffix<P>()) + mode_name(mode);
    check("gelu_forward" + s, out, go, tol_of<P>());
    check("gelu_backward" + s, dx, gd, tol_of<P>());
    check("swiglu_forward" + s, sw, so, tol_of<P>());
    check("swiglu_backward dgate" + s, dgate, sg, tol_of<P>());
    check("swiglu_backward dup" + s, dup, su, tol_of<P>());
}

// ------------------------------------------------------------------------------------------------ loss rows

template <typename P>
static void check_gather(int mode) {
    int N = 57, C = 40, n = 23;
    std::vector<int> rows;
    for (int r = 0; r < N && (int)rows.size() < n; r++) if (rng() % 5 < 2 || N - r <= n - (int)rows.size()) rows.push_back(r);
    n = (int)rows.size();
    auto src32 = randoms((size_t)N * C);
    std::vector<P> src(src32.size()), dst((size_t)n * C);
    for (size_t i = 0; i < src.size(); i++) store(&src[i], src32[i]);
    emulate(grid_or_single(mode, (long long)n * C), 256, [&] {
        if constexpr (std::is_same<P, float>::value) gather_rows_f32(src.data(), rows.data(), dst.data(), n, C);
        else gather_rows_bf16(src.data(), rows.data(), dst.data(), n, C);
    });
    Ref ref((size_t)n * C);
    for (int r = 0; r < n; r++) for (int c = 0; c < C; c++) ref[(size_t)r * C + c] = to_float(src[(size_t)rows[r] * C + c]);
    check(std::string("gather_rows") + suffix<P>() + mode_name(mode), dst, ref, 0.0);
    if (!std::is_same<P, float>::value) return;
    auto g = randoms((size_t)n * C), out = randoms((size_t)N * C);
    Ref rs = widen(out);
    for (int r = 0; r < n; r++) for (int c = 0; c < C; c++) rs[(size_t)rows[r] * C + c] = g[(size_t)r * C + c];
    emulate(grid_or_single(mode, (long long)n * C), 256, [&] { scatter_rows(g.data(), rows.data(), out.data(), n, C); });
    check(std::string("scatter_rows (other rows kept)") + mode_name(mode), out, rs, 0.0);
}

// ------------------------------------------------------------------------------------------------ optimizer

// Tensors of odd sizes (one shorter than a chunk, one of exactly two chunks), some decaying, some
// with a bfloat16 copy: the slot table and the chunk numbering the host builds (CudaTraining).
struct Tensors {
    int chunk = 100;
    std::vector<long long> sizes{1037, 57, 200, 1, 431};
    std::vector<std::vector<float>> p, g, m, v;
    std::vector<std::vector<bf16>> copy;
    std::vector<TensorSlot> slots;
    long long chunks = 0;
    explicit Tensors(bool copies) {
        for (size_t i = 0; i < sizes.size(); i++) {
            long long n = sizes[i];
            p.push_back(randoms(n));
            g.push_back(randoms(n, 0.1));
            m.push_back(randoms(n, 0.01));
            v.push_back(randoms(n, 0.001));
            for (auto& x : v.back()) x = std::fabs(x);
            copy.emplace_back(n, 0);
        }
        for (size_t i = 0; i < sizes.size(); i++) {
            bool with_copy = copies && i % 2 == 0;
            slots.push_back({});  // written through the kernel, as on the device
            emulate(1, 32, [&] {
                tensor_slot(slots.data(), (int)i, p[i].data(), g[i].data(), m[i].data(), v[i].data(),
                            with_copy ? copy[i].data() : nullptr, sizes[i], chunks, i % 3 != 1);
            });
            chunks += (sizes[i] + chunk - 1) / chunk;
        }
    }
};

static void check_sum_squares() {
    Tensors t(false);
    std::vector<double> partial(t.chunks + 1, -1.0);
    emulate((int)t.chunks, 256, [&] { sum_squares(t.slots.data(), (int)t.slots.size(), t.chunk, partial.data()); });
    double err = 0;
    long long c = 0;
    for (size_t k = 0; k < t.sizes.size(); k++) {
        for (long long from = 0; from < t.sizes[k]; from += t.chunk, c++) {
            double s = 0;
            for (long long i = from; i < std::min(t.sizes[k], from + t.chunk); i++) s += (double)t.g[k][i] * t.g[k][i];
            err = std::max(err, std::fabs(partial[c] - s) / s);
        }
    }
    bool ok = c == t.chunks && err < 1e-13 && partial[t.chunks] == -1.0;
    check_exact("sum_squares (5 tensors, chunk 100, 17 blocks)", ok, "max rel err " + std::to_string(err));
}

// AdamW.update (with GradientClipping's g *= scale first) in float, Java's operation order, tensor
// by tensor with each one's decay (1 - lr * wd, or 1 - lr * 0 = 1 when it does not decay).
static void check_adamw(bool clipped, bool copies) {
    Tensors t(copies);
    double lr = 3e-4, wd = 0.1, beta1 = 0.9, beta2 = 0.95, eps = 1e-8;
    long long step_no = 7;
    float decay = (float)(1 - lr * wd), step = (float)-(lr / (1 - std::pow(beta1, step_no)));
    float b2s = (float)std::sqrt(1 - std::pow(beta2, step_no));
    float b1 = (float)beta1, b2 = (float)beta2, omb1 = (float)(1 - beta1), omb2 = (float)(1 - beta2), e = (float)eps;
    float clip = clipped ? 0.37f : 1.f;
    auto rp = t.p, rg = t.g, rm = t.m, rv = t.v;
    for (size_t k = 0; k < t.sizes.size(); k++) {
        float d = t.slots[k].decays ? decay : (float)(1 - lr * 0.0);
        for (long long i = 0; i < t.sizes[k]; i++) {
            if (clipped) rg[k][i] *= clip;
            float pi = rp[k][i] * d, gi = rg[k][i];
            float mi = rm[k][i] * b1 + omb1 * gi;
            float vi = rv[k][i] * b2 + omb2 * gi * gi;
            float denom = (float)std::sqrt((double)vi) / b2s + e;
            rm[k][i] = mi; rv[k][i] = vi;
            rp[k][i] = pi + step * mi / denom;
        }
    }
    emulate((int)t.chunks, 256, [&] {
        adamw(t.slots.data(), (int)t.slots.size(), t.chunk, decay, step, b2s, b1, b2, omb1, omb2, e, clip, clipped ? 1 : 0);
    });
    bool ok = true;
    for (size_t k = 0; k < t.sizes.size(); k++) {
        size_t bytes = t.sizes[k] * 4;
        ok &= std::memcmp(t.p[k].data(), rp[k].data(), bytes) == 0 && std::memcmp(t.m[k].data(), rm[k].data(), bytes) == 0 &&
              std::memcmp(t.v[k].data(), rv[k].data(), bytes) == 0 && std::memcmp(t.g[k].data(), rg[k].data(), bytes) == 0;
        for (long long i = 0; i < t.sizes[k]; i++) {
            bf16 want = 0;
            if (t.slots[k].p_copy != nullptr) store(&want, rp[k][i]);
            ok &= t.copy[k][i] == want;
        }
    }
    check_exact(std::string("adamw over 5 tensors") + (clipped ? ", clipped" : "") + (copies ? ", bf16 copies" : ""), ok,
                "p, m, v, g bit-identical to AdamW.update's float order; copies only where a slot has one");
}

int main() {
    for (int mode : {0, SINGLE}) {
        check_convert(mode);
        check_embedding(mode, true);
        check_embedding(mode, false);
        check_rope(mode);
        check_mlp<float>(mode);
        check_mlp<bf16>(mode);
        check_gather<float>(mode);
        check_gather<bf16>(mode);
        check_attention<float>(mode, false);
        check_attention<bf16>(mode, false);
        check_attention<float>(mode, true);
        check_attention<bf16>(mode, true);
        check_add_bias(mode);
    }
    check_bias_grad<float>();
    check_bias_grad<bf16>();
    check_column_reduce();
    check_layernorm<float>(150, 40);
    check_layernorm<float>(13, 48);
    check_layernorm<bf16>(150, 40);
    check_rmsnorm<float>(150, 40);
    check_rmsnorm<float>(57 * 4, 16);  // Qwen3's per-head q norm: rows N*NH, D = HS
    check_rmsnorm<bf16>(150, 48);
    check_sum_squares();
    check_adamw(false, false);
    check_adamw(true, true);
    if (failures) std::printf("%d check(s) FAILED\n", failures);
    else std::printf("all transformer.cu kernel checks passed\n");
    return failures ? 1 : 0;
}
