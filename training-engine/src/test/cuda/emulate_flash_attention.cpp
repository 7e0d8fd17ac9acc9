// Runs flash_attention.cu's kernels on the CPU through cuda_emulation.h and compares y, lse, dq,
// dk and dv with a double-precision reference over small shapes (T not a multiple of the tile,
// HS 8..128, packed sequences with padding). A logic check for machines without a GPU; the
// device check is FlashAttentionCheck. Built and run by emulate_flash_attention.sh.
#include "cuda_emulation.h"
#include FLASH_SOURCE

#include <cstdio>
#include <random>

static unsigned short bf16_round(float f) {
    unsigned u;
    std::memcpy(&u, &f, 4);
    return (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
static float bf16_value(unsigned short b) { return __uint_as_float((unsigned)b << 16); }

static bool visible(int start, int t, int key) { return start >= 0 && start <= key && key <= t; }

// Double reference: y, lse and the gradients of sum(dy * y).
static void reference(const std::vector<double>& q, const std::vector<double>& k, const std::vector<double>& v,
                      const std::vector<double>& dy, const std::vector<int>& starts, int B, int NH, int T, int HS,
                      double scale, std::vector<double>& y, std::vector<double>& lse, std::vector<double>& dq,
                      std::vector<double>& dk, std::vector<double>& dv) {
    size_t n = (size_t)B * NH * T * HS;
    y.assign(n, 0); dq.assign(n, 0); dk.assign(n, 0); dv.assign(n, 0); lse.assign((size_t)B * NH * T, 0);
    std::vector<double> p(T), dp(T);
    for (int bh = 0; bh < B * NH; bh++) {
        int b = bh / NH;
        for (int t = 0; t < T; t++) {
            int s0 = starts[b * T + t];
            size_t row = (size_t)bh * T + t;
            if (!visible(s0, t, t)) continue;
            double m = -INFINITY;
            for (int j = s0; j <= t; j++) {
                double d = 0;
                for (int c = 0; c < HS; c++) d += q[row * HS + c] * k[((size_t)bh * T + j) * HS + c];
                p[j] = d * scale;
                m = std::max(m, p[j]);
            }
            double z = 0;
            for (int j = s0; j <= t; j++) z += std::exp(p[j] - m);
            lse[row] = m + std::log(z);
            double pdp = 0;
            for (int j = s0; j <= t; j++) {
                p[j] = std::exp(p[j] - lse[row]);
                double d = 0;
                for (int c = 0; c < HS; c++) {
                    y[row * HS + c] += p[j] * v[((size_t)bh * T + j) * HS + c];
                    d += dy[row * HS + c] * v[((size_t)bh * T + j) * HS + c];
                }
                dp[j] = d;
                pdp += p[j] * d;
            }
            for (int j = s0; j <= t; j++) {
                double ds = p[j] * (dp[j] - pdp);
                size_t key = ((size_t)bh * T + j) * HS;
                for (int c = 0; c < HS; c++) {
                    dq[row * HS + c] += scale * ds * k[key + c];
                    dk[key + c] += scale * ds * q[row * HS + c];
                    dv[key + c] += p[j] * dy[row * HS + c];
                }
            }
        }
    }
}

static double rel_error(const std::vector<float>& got, const std::vector<double>& ref) {
    double diff = 0, norm = 0;
    for (size_t i = 0; i < ref.size(); i++) {
        if (!std::isfinite(got[i])) return NAN;
        diff += (got[i] - ref[i]) * (got[i] - ref[i]);
        norm += ref[i] * ref[i];
    }
    return std::sqrt(diff) / (norm > 0 ? std::sqrt(norm) : 1.0);
}

template <typename P>
static int run_case(int B, int NH, int T, int HS, unsigned seed, const char* name, bool tensor_cores = false) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal;
    size_t n = (size_t)B * NH * T * HS, rows = (size_t)B * NH * T;
    bool bf16 = sizeof(P) == 2;
    auto make = [&](std::vector<P>& dev, std::vector<double>& host) {
        dev.resize(n);
        host.resize(n);
        for (size_t i = 0; i < n; i++) {
            float f = (float)normal(rng);
            if (bf16) {
                unsigned short b = bf16_round(f);
                std::memcpy(&dev[i], &b, 2);
                host[i] = bf16_value(b);
            } else {
                std::memcpy(&dev[i], &f, 4);
                host[i] = f;
            }
        }
    };
    std::vector<P> q, k, v, dy;
    std::vector<double> qh, kh, vh, dyh;
    make(q, qh); make(k, kh); make(v, vh); make(dy, dyh);
    // Packed sequences: 2-3 per row, padding at the end for T >= 8; row 0 of batch 1 starts after itself.
    std::vector<int> starts((size_t)B * T);
    for (int b = 0; b < B; b++) {
        int padding = T >= 8 ? 1 + (int)(rng() % (T / 8)) : 0;
        int used = T - padding;
        int cut1 = used > 2 ? 1 + (int)(rng() % (used - 1)) : used;
        int cut2 = used > 2 ? 1 + (int)(rng() % (used - 1)) : used;
        if (cut2 < cut1) std::swap(cut1, cut2);
        for (int t = 0; t < T; t++) starts[b * T + t] = t >= used ? -1 : t >= cut2 ? cut2 : t >= cut1 ? cut1 : 0;
    }
    if (B > 1 && T > 3) starts[1 * T + 0] = 2;  // seq_start > t: sees nothing, treated as padding
    double scale = 1.0 / std::sqrt((double)HS);
    std::vector<double> yr, lser, dqr, dkr, dvr;
    reference(qh, kh, vh, dyh, starts, B, NH, T, HS, scale, yr, lser, dqr, dkr, dvr);

    const float nan = NAN;
    std::vector<float> y(n, nan), lse(rows, nan), dq(n, nan), dk(n, nan), dv(n, nan), delta(rows, nan);
    int tiles = (T + TILE - 1) / TILE, grid = tiles * B * NH;
    size_t shared_floats = 4 * 64 * (HS + 4) + 2 * 64 * 68;
    if (shared_floats * 4 > sizeof(dynamic_shared)) { std::printf("dynamic_shared too small\n"); return 1; }
    float sc = (float)scale;
    const int threads = tensor_cores ? 128 : 256;
    emulate(grid, threads, [&] {
        if constexpr (sizeof(P) == 2) {
            if (tensor_cores) flash_attention_forward_bf16_tc(q.data(), k.data(), v.data(), starts.data(), y.data(), lse.data(), B, NH, T, HS, sc);
            else flash_attention_forward_bf16(q.data(), k.data(), v.data(), starts.data(), y.data(), lse.data(), B, NH, T, HS, sc);
        } else flash_attention_forward_f32(q.data(), k.data(), v.data(), starts.data(), y.data(), lse.data(), B, NH, T, HS, sc);
    });
    emulate((int)((rows + 7) / 8), 256, [&] {
        if constexpr (sizeof(P) == 2) flash_attention_backward_delta_bf16(dy.data(), y.data(), delta.data(), (int)rows, HS);
        else flash_attention_backward_delta_f32(dy.data(), y.data(), delta.data(), (int)rows, HS);
    });
    emulate(grid, threads, [&] {
        if constexpr (sizeof(P) == 2) {
            if (tensor_cores) flash_attention_backward_dkdv_bf16_tc(q.data(), k.data(), v.data(), dy.data(), lse.data(), delta.data(), starts.data(), dk.data(), dv.data(), B, NH, T, HS, sc);
            else flash_attention_backward_dkdv_bf16(q.data(), k.data(), v.data(), dy.data(), lse.data(), delta.data(), starts.data(), dk.data(), dv.data(), B, NH, T, HS, sc);
        } else flash_attention_backward_dkdv_f32(q.data(), k.data(), v.data(), dy.data(), lse.data(), delta.data(), starts.data(), dk.data(), dv.data(), B, NH, T, HS, sc);
    });
    emulate(grid, threads, [&] {
        if constexpr (sizeof(P) == 2) {
            if (tensor_cores) flash_attention_backward_dq_bf16_tc(q.data(), k.data(), v.data(), dy.data(), lse.data(), delta.data(), starts.data(), dq.data(), B, NH, T, HS, sc);
            else flash_attention_backward_dq_bf16(q.data(), k.data(), v.data(), dy.data(), lse.data(), delta.data(), starts.data(), dq.data(), B, NH, T, HS, sc);
        } else flash_attention_backward_dq_f32(q.data(), k.data(), v.data(), dy.data(), lse.data(), delta.data(), starts.data(), dq.data(), B, NH, T, HS, sc);
    });
    double e[5] = {rel_error(y, yr), rel_error(lse, lser), rel_error(dq, dqr), rel_error(dk, dkr), rel_error(dv, dvr)};
    // The emulated kernels compute in float32 from the same inputs as the reference.
    double tol[5] = {1e-5, 1e-5, 1e-4, 1e-4, 1e-4};
    int failures = 0;
    for (int i = 0; i < 5; i++) failures += !(e[i] <= tol[i]);
    std::printf("emulated flash %s B=%d NH=%d T=%d HS=%d y %.2e lse %.2e dq %.2e dk %.2e dv %.2e %s\n", name, B, NH,
                T, HS, e[0], e[1], e[2], e[3], e[4], failures ? "FAIL" : "PASS");
    std::fflush(stdout);
    return failures;
}

int main() {
    int shapes[][4] = {{1, 1, 1, 16}, {2, 3, 37, 16}, {1, 2, 70, 8}, {2, 1, 64, 32}, {1, 2, 129, 64}, {1, 1, 100, 72}, {2, 2, 37, 64},
                       {2, 1, 130, 128}};
    int failures = 0;
    unsigned seed = 1;
    for (auto& s : shapes) {
        failures += run_case<float>(s[0], s[1], s[2], s[3], seed++, "f32");
        failures += run_case<unsigned short>(s[0], s[1], s[2], s[3], seed++, "bf16");
        if (s[3] == 64 || s[3] == 128) failures += run_case<unsigned short>(s[0], s[1], s[2], s[3], seed++, "bf16 tensor cores", true);
    }
    std::printf("emulated flash: %d failures\n", failures);
    return failures == 0 ? 0 : 1;
}
