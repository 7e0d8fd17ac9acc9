package io.distillab.training.model;

import java.util.Map;

/**
 * A plain double-precision forward of both block layouts, written separately from
 * {@link TransformerLm} (no shared code) and used only to check its gradients against central
 * finite differences. Tensors are double[] in the HF layout of {@link Parameter}s of the same names.
 */
final class DoubleReference {
    private final ModelConfig cfg;
    private final Map<String, double[]> p;
    private final int C, NH, NKV, HS, FF, V;

    DoubleReference(ModelConfig cfg, Map<String, double[]> params) {
        this.cfg = cfg;
        this.p = params;
        C = cfg.hiddenSize();
        NH = cfg.numHeads();
        NKV = cfg.numKvHeads();
        HS = cfg.headDim();
        FF = cfg.intermediateSize();
        V = cfg.vocabSize();
    }

    /** Logits [B*T][V]; zero rows at padding. */
    double[][] logits(int[] tokens, int[] positions, int B, int T) {
        boolean gpt2 = cfg.modelType().equals("gpt2");
        String pre = gpt2 ? "transformer." : "model.";
        int N = B * T;
        double[][] x = new double[N][C];
        for (int n = 0; n < N; n++) {
            if (positions[n] < 0) {
                continue;
            }
            for (int c = 0; c < C; c++) {
                x[n][c] = p.get(pre + (gpt2 ? "wte.weight" : "embed_tokens.weight"))[tokens[n] * C + c]
                        + (gpt2 ? p.get(pre + "wpe.weight")[positions[n] * C + c] : 0);
            }
        }
        for (int l = 0; l < cfg.numLayers(); l++) {
            if (gpt2) {
                String h = pre + "h." + l + ".";
                double[][] a = layerNorm(x, p.get(h + "ln_1.weight"), p.get(h + "ln_1.bias"));
                double[][] qkv = linear(a, h + "attn.c_attn", C, 3 * C, true);
                double[][] q = slice(qkv, 0, C), k = slice(qkv, C, C), v = slice(qkv, 2 * C, C);
                x = add(x, linear(attention(q, k, v, positions, B, T), h + "attn.c_proj", C, C, true));
                a = layerNorm(x, p.get(h + "ln_2.weight"), p.get(h + "ln_2.bias"));
                double[][] f = linear(a, h + "mlp.c_fc", C, FF, true);
                for (double[] r : f) {
                    for (int i = 0; i < r.length; i++) {
                        double u = r[i];
                        r[i] = 0.5 * u * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u * u * u)));
                    }
                }
                x = add(x, linear(f, h + "mlp.c_proj", FF, C, true));
            } else {
                String h = pre + "layers." + l + ".";
                double[][] a = rmsNorm(x, p.get(h + "input_layernorm.weight"), C);
                double[][] q = linear(a, h + "self_attn.q_proj", C, NH * HS, false);
                double[][] k = linear(a, h + "self_attn.k_proj", C, NKV * HS, false);
                double[][] v = linear(a, h + "self_attn.v_proj", C, NKV * HS, false);
                if (cfg.modelType().equals("qwen3")) {
                    q = perHeadRmsNorm(q, p.get(h + "self_attn.q_norm.weight"));
                    k = perHeadRmsNorm(k, p.get(h + "self_attn.k_norm.weight"));
                }
                rope(q, positions);
                rope(k, positions);
                x = add(x, linear(attention(q, k, v, positions, B, T), h + "self_attn.o_proj", NH * HS, C, false));
                a = rmsNorm(x, p.get(h + "post_attention_layernorm.weight"), C);
                double[][] g = linear(a, h + "mlp.gate_proj", C, FF, false);
                double[][] u = linear(a, h + "mlp.up_proj", C, FF, false);
                for (int n = 0; n < N; n++) {
                    for (int i = 0; i < FF; i++) {
                        g[n][i] = g[n][i] / (1 + Math.exp(-g[n][i])) * u[n][i];
                    }
                }
                x = add(x, linear(g, h + "mlp.down_proj", FF, C, false));
            }
        }
        double[][] xf = gpt2 ? layerNorm(x, p.get(pre + "ln_f.weight"), p.get(pre + "ln_f.bias"))
                : rmsNorm(x, p.get(pre + "norm.weight"), C);
        double[] head = cfg.tieWordEmbeddings() ? p.get(pre + (gpt2 ? "wte.weight" : "embed_tokens.weight")) : p.get("lm_head.weight");
        double[][] out = new double[N][V];
        for (int n = 0; n < N; n++) {
            if (positions[n] < 0) {
                continue;
            }
            for (int j = 0; j < V; j++) {
                double s = 0;
                for (int c = 0; c < C; c++) {
                    s += xf[n][c] * head[j * C + c];
                }
                out[n][j] = s;
            }
        }
        return out;
    }

    private double[][] linear(double[][] x, String module, int in, int out, boolean conv1d) {
        double[] w = p.get(module + ".weight");
        double[] b = p.get(module + ".bias");
        double[][] y = new double[x.length][out];
        for (int n = 0; n < x.length; n++) {
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) {
                    s += x[n][i] * (conv1d ? w[i * out + o] : w[o * in + i]);
                }
                y[n][o] = s;
            }
        }
        return y;
    }

    private double[][] layerNorm(double[][] x, double[] w, double[] b) {
        double[][] y = new double[x.length][C];
        for (int n = 0; n < x.length; n++) {
            double m = 0, var = 0;
            for (double v : x[n]) {
                m += v;
            }
            m /= C;
            for (double v : x[n]) {
                var += (v - m) * (v - m);
            }
            var /= C;
            for (int c = 0; c < C; c++) {
                y[n][c] = (x[n][c] - m) / Math.sqrt(var + cfg.normEps()) * w[c] + b[c];
            }
        }
        return y;
    }

    private double[][] rmsNorm(double[][] x, double[] w, int D) {
        double[][] y = new double[x.length][D];
        for (int n = 0; n < x.length; n++) {
            double ms = 0;
            for (int i = 0; i < D; i++) {
                ms += x[n][i] * x[n][i];
            }
            double r = 1 / Math.sqrt(ms / D + cfg.normEps());
            for (int i = 0; i < D; i++) {
                y[n][i] = w[i] * x[n][i] * r;
            }
        }
        return y;
    }

    private double[][] perHeadRmsNorm(double[][] x, double[] w) {
        int heads = x[0].length / HS;
        double[][] y = new double[x.length][x[0].length];
        for (int n = 0; n < x.length; n++) {
            for (int h = 0; h < heads; h++) {
                double[][] one = {java.util.Arrays.copyOfRange(x[n], h * HS, (h + 1) * HS)};
                System.arraycopy(rmsNorm(one, w, HS)[0], 0, y[n], h * HS, HS);
            }
        }
        return y;
    }

    private void rope(double[][] x, int[] positions) {
        int heads = x[0].length / HS, half = HS / 2;
        for (int n = 0; n < x.length; n++) {
            double pos = Math.max(0, positions[n]);
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < half; i++) {
                    double ang = pos * inverseFrequency(i);
                    double a = x[n][h * HS + i], b = x[n][h * HS + i + half];
                    x[n][h * HS + i] = a * Math.cos(ang) - b * Math.sin(ang);
                    x[n][h * HS + i + half] = b * Math.cos(ang) + a * Math.sin(ang);
                }
            }
        }
    }

    private double inverseFrequency(int i) {
        double f = 1 / Math.pow(cfg.ropeTheta(), 2.0 * i / HS);
        switch (cfg.ropeScaling()) {
            case LINEAR -> f /= cfg.ropeFactor();
            case LLAMA3 -> {
                double wavelen = 2 * Math.PI / f, old = cfg.ropeOriginalMaxPositions();
                double low = cfg.ropeLowFreqFactor(), high = cfg.ropeHighFreqFactor();
                if (wavelen > old / low) {
                    f /= cfg.ropeFactor();
                } else if (wavelen >= old / high) {
                    double s = (old / wavelen - low) / (high - low);
                    f = (1 - s) * f / cfg.ropeFactor() + s * f;
                }
            }
            default -> {
            }
        }
        return f;
    }

    /** Causal attention within each packed sequence (a sequence starts at position 0). */
    private double[][] attention(double[][] q, double[][] k, double[][] v, int[] positions, int B, int T) {
        double[][] y = new double[q.length][NH * HS];
        int group = NH / NKV;
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
                int n = b * T + t;
                if (positions[n] < 0) {
                    continue;
                }
                int start = t - positions[n]; // packed sequences are contiguous, positions count from 0
                for (int h = 0; h < NH; h++) {
                    int kv = h / group;
                    double[] s = new double[t - start + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int t2 = start; t2 <= t; t2++) {
                        double d = 0;
                        for (int i = 0; i < HS; i++) {
                            d += q[n][h * HS + i] * k[b * T + t2][kv * HS + i];
                        }
                        s[t2 - start] = d / Math.sqrt(HS);
                        max = Math.max(max, s[t2 - start]);
                    }
                    double sum = 0;
                    for (int j = 0; j < s.length; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int t2 = start; t2 <= t; t2++) {
                        for (int i = 0; i < HS; i++) {
                            y[n][h * HS + i] += s[t2 - start] / sum * v[b * T + t2][kv * HS + i];
                        }
                    }
                }
            }
        }
        return y;
    }

    private static double[][] slice(double[][] x, int from, int width) {
        double[][] y = new double[x.length][width];
        for (int n = 0; n < x.length; n++) {
            System.arraycopy(x[n], from, y[n], 0, width);
        }
        return y;
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] y = new double[a.length][a[0].length];
        for (int n = 0; n < a.length; n++) {
            for (int c = 0; c < a[0].length; c++) {
                y[n][c] = a[n][c] + b[n][c];
            }
        }
        return y;
    }
}
