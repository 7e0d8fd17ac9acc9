package io.distillab.training.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The decoder-only transformers of Hugging Face transformers, forward and backward on CPU in
 * float32, in the manner of karpathy/llm.c: the model's tensors, then forward, then backward, then
 * each layer's forward and backward side by side.
 *
 * <p>Two block layouts cover the four families:
 * <ul>
 * <li>GPT-2 (GPT2LMHeadModel): x = wte[token] + wpe[position]; per block
 *     x += c_proj(attention(c_attn(LayerNorm(x)))), x += c_proj(gelu_tanh(c_fc(LayerNorm(x))));
 *     logits = LayerNorm(x) · wteᵀ. Conv1D weights are stored [in, out] as HF saves them.</li>
 * <li>Llama, Qwen2, Qwen3: x = embed[token]; per block
 *     x += o_proj(attention(RoPE(q_proj(h)), RoPE(k_proj(h)), v_proj(h))) with h = RMSNorm(x),
 *     x += down_proj(silu(gate_proj(h)) * up_proj(h)) with h = RMSNorm(x);
 *     logits = RMSNorm(x) · lm_headᵀ (lm_head = embed when tied). Qwen2 adds q/k/v biases, Qwen3
 *     a per-head RMSNorm of q and k before RoPE. Linear weights are stored [out, in].</li>
 * </ul>
 * Attention is causal and restricted to each packed sequence of a row (a sequence starts where
 * the position id is 0); grouped-query attention shares each key/value head among NH/NKV query
 * heads. Position ids feed RoPE and GPT-2's position embedding, so they restart per sequence.
 * Padding (position -1) gets zero logits and contributes no gradient.
 *
 * <p>Naming key, stated once: B batch rows, T positions per row, N = B*T positions, C channels
 * (hidden size), V vocabulary, NH query heads, NKV key/value heads, HS head size, FF the MLP's
 * inner size, L layers. Every tensor is row-major: [N, C] is N rows of C floats.
 */
public final class TransformerLm implements CausalLm {
    private final ModelConfig cfg;
    private final boolean gpt2;
    private final int V, C, L, NH, NKV, HS, FF;
    private final float eps;
    private final Workers workers;

    // ------------------------------------------------------------------ parameters (HF order)
    private final Parameter tokenEmbedding;     // wte / embed_tokens [V, C]
    private final Parameter positionEmbedding;  // GPT-2 wpe [maxPositions, C], else null
    private final Block[] blocks;
    private final Parameter finalNormWeight;    // ln_f / norm [C]
    private final Parameter finalNormBias;      // GPT-2 ln_f bias [C], else null
    private final Parameter lmHead;             // [V, C] when untied, else null (wte is used)
    private final List<Parameter> parameters = new ArrayList<>();
    private LoraConfig lora;

    /** One transformer block's tensors. */
    private static final class Block {
        Parameter norm1Weight, norm1Bias, norm2Weight, norm2Bias;
        Linear qkv;                 // GPT-2 c_attn [C, 3C]
        Linear q, k, v;             // Llama family
        Linear attnOut;             // c_proj / o_proj
        Parameter qNormWeight, kNormWeight; // Qwen3 [HS]
        Linear fc, mlpOut;          // GPT-2 c_fc, mlp.c_proj
        Linear gate, up, down;      // Llama family
    }

    // ------------------------------------------------------------------ activations
    private int actB = -1, actT = -1, actLayers = -1;
    private boolean activationsKept;
    private int[] tokens, positions, seqStart;
    private float[] x0;             // embedding output [N, C]
    private float[] ropeCos, ropeSin; // [N, HS/2]
    private LayerActs[] acts;
    private float[] normF, meanF, rstdF; // final norm output [N, C], statistics [N]
    private float[] logits;         // [N, V]
    private BackwardScratch scratch;

    /** What one block's backward needs from its forward. */
    private static final class LayerActs {
        float[] norm1, mean1, rstd1;  // first norm: output [N, C], statistics [N] (mean: LayerNorm)
        float[] qkv;                  // GPT-2 [N, 3C]
        float[] q, k, v;              // Llama family, after q/k-norm and RoPE: [N, NH*HS], [N, NKV*HS]
        float[] qRaw, kRaw;           // Qwen3: q, k before their norm
        float[] qRstd, kRstd;         // Qwen3: [N*NH], [N*NKV]
        float[] att;                  // attention probabilities [B, NH, T, T]
        float[] attnY;                // attention output [N, NH*HS]
        float[] x1;                   // residual after attention [N, C]
        float[] norm2, mean2, rstd2;
        float[] h1;                   // GPT-2: c_fc output; Llama: gate [N, FF]
        float[] h2;                   // Llama: up [N, FF]
        float[] act;                  // GPT-2: gelu(h1); Llama: silu(gate) * up [N, FF]
        float[] out;                  // block output [N, C]
    }

    /** Gradients of intermediate tensors, reused by every block. */
    private static final class BackwardScratch {
        float[] dx, dNorm, dY, dQkv, dq, dk, dv, dqRaw, dkRaw, dAct, dUp, dNormF;
    }

    TransformerLm(ModelConfig cfg, int threads) {
        this.cfg = cfg;
        this.gpt2 = cfg.family() == ModelConfig.Family.GPT2;
        this.V = cfg.vocabSize();
        this.C = cfg.hiddenSize();
        this.L = cfg.numLayers();
        this.NH = cfg.numHeads();
        this.NKV = cfg.numKvHeads();
        this.HS = cfg.headDim();
        this.FF = cfg.intermediateSize();
        this.eps = (float) cfg.normEps();
        this.workers = new Workers(threads);
        Matmul.setThreads(threads);

        String p = gpt2 ? "transformer." : "model.";
        tokenEmbedding = add(new Parameter(p + (gpt2 ? "wte.weight" : "embed_tokens.weight"), V, C));
        positionEmbedding = gpt2 ? add(new Parameter(p + "wpe.weight", cfg.maxPositions(), C)) : null;
        blocks = new Block[L];
        for (int l = 0; l < L; l++) {
            Block b = new Block();
            if (gpt2) {
                String h = p + "h." + l + ".";
                b.norm1Weight = add(new Parameter(h + "ln_1.weight", C));
                b.norm1Bias = add(new Parameter(h + "ln_1.bias", C));
                b.qkv = linear(h + "attn.c_attn", "c_attn", C, 3 * C, true, true);
                b.attnOut = linear(h + "attn.c_proj", "c_proj", C, C, true, true);
                b.norm2Weight = add(new Parameter(h + "ln_2.weight", C));
                b.norm2Bias = add(new Parameter(h + "ln_2.bias", C));
                b.fc = linear(h + "mlp.c_fc", "c_fc", C, FF, true, true);
                b.mlpOut = linear(h + "mlp.c_proj", "c_proj", FF, C, true, true);
            } else {
                String h = p + "layers." + l + ".";
                b.norm1Weight = add(new Parameter(h + "input_layernorm.weight", C));
                b.q = linear(h + "self_attn.q_proj", "q_proj", C, NH * HS, cfg.qkvBias(), false);
                b.k = linear(h + "self_attn.k_proj", "k_proj", C, NKV * HS, cfg.qkvBias(), false);
                b.v = linear(h + "self_attn.v_proj", "v_proj", C, NKV * HS, cfg.qkvBias(), false);
                b.attnOut = linear(h + "self_attn.o_proj", "o_proj", NH * HS, C, cfg.outputBias(), false);
                if (cfg.qkNorm()) {
                    b.qNormWeight = add(new Parameter(h + "self_attn.q_norm.weight", HS));
                    b.kNormWeight = add(new Parameter(h + "self_attn.k_norm.weight", HS));
                }
                b.norm2Weight = add(new Parameter(h + "post_attention_layernorm.weight", C));
                b.gate = linear(h + "mlp.gate_proj", "gate_proj", C, FF, cfg.mlpBias(), false);
                b.up = linear(h + "mlp.up_proj", "up_proj", C, FF, cfg.mlpBias(), false);
                b.down = linear(h + "mlp.down_proj", "down_proj", FF, C, cfg.mlpBias(), false);
            }
            blocks[l] = b;
        }
        finalNormWeight = add(new Parameter(p + (gpt2 ? "ln_f.weight" : "norm.weight"), C));
        finalNormBias = gpt2 ? add(new Parameter(p + "ln_f.bias", C)) : null;
        lmHead = cfg.tieWordEmbeddings() ? null : add(new Parameter("lm_head.weight", V, C));
    }

    private Parameter add(Parameter param) {
        parameters.add(param);
        return param;
    }

    private Linear linear(String module, String shortName, int in, int out, boolean bias, boolean conv1d) {
        Parameter w = add(conv1d ? new Parameter(module + ".weight", in, out) : new Parameter(module + ".weight", out, in));
        Parameter b = bias ? add(new Parameter(module + ".bias", out)) : null;
        return new Linear(module, shortName, in, out, w, b, conv1d);
    }

    Workers workers() {
        return workers;
    }

    @Override
    public ModelConfig config() {
        return cfg;
    }

    @Override
    public List<Parameter> parameters() {
        return List.copyOf(parameters);
    }

    @Override
    public List<Parameter> trainableParameters() {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : parameters) {
            if (p.trainable()) {
                out.add(p);
            }
        }
        for (Linear lin : linears()) {
            if (lin.loraA != null) {
                out.add(lin.loraA);
                out.add(lin.loraB);
            }
        }
        return out;
    }

    /** The LoRA adapters' tensors (A then B of each target, in model order); empty without LoRA. */
    List<Parameter> loraParameters() {
        List<Parameter> out = new ArrayList<>();
        for (Linear lin : linears()) {
            if (lin.loraA != null) {
                out.add(lin.loraA);
                out.add(lin.loraB);
            }
        }
        return out;
    }

    List<Linear> linears() {
        List<Linear> out = new ArrayList<>();
        for (Block b : blocks) {
            for (Linear lin : gpt2 ? new Linear[] {b.qkv, b.attnOut, b.fc, b.mlpOut}
                    : new Linear[] {b.q, b.k, b.v, b.attnOut, b.gate, b.up, b.down}) {
                out.add(lin);
            }
        }
        return out;
    }

    @Override
    public void zeroGrad() {
        for (Parameter p : trainableParameters()) {
            Arrays.fill(p.grad(), 0f);
        }
    }

    @Override
    public LoraConfig lora() {
        return lora;
    }

    // ================================================================== forward

    @Override
    public float[] forward(int[] tokens, int[] positions, int B, int T, boolean keepActivations) {
        hidden(tokens, positions, B, T, keepActivations);
        float[] head = lmHead != null ? lmHead.data() : tokenEmbedding.data();
        Matmul.gemm(workers, false, true, B * T, V, C, 1f, normF, head, 0f, logits);
        return logits;
    }

    /** The blocks over every position, the output layer over the last one only (one [1, C] x [C, V] product). */
    @Override
    public float[] lastLogits(int[] tokens) {
        int n = tokens.length;
        int[] positions = new int[n];
        for (int t = 0; t < n; t++) {
            positions[t] = t;
        }
        hidden(tokens, positions, 1, n, false);
        float[] head = lmHead != null ? lmHead.data() : tokenEmbedding.data();
        float[] last = new float[V];
        Matmul.gemm(workers, false, true, 1, V, C, 1f, Arrays.copyOfRange(normF, (n - 1) * C, n * C), head, 0f, last);
        return last;
    }

    /** The final norm's output {@link #normF} [B*T, C], zero at padding. */
    private void hidden(int[] tokens, int[] positions, int B, int T, boolean keepActivations) {
        checkInputs(cfg, tokens, positions, B, T);
        int N = B * T;
        allocateActivations(B, T, keepActivations);
        this.tokens = tokens.clone();
        this.positions = positions.clone();
        sequenceStarts(this.positions, seqStart, B, T);

        embeddingForward(x0, this.tokens, this.positions, N);
        if (!gpt2) {
            ropeTables(this.positions, N);
        }
        float[] x = x0;
        for (int l = 0; l < L; l++) {
            LayerActs a = acts[keepActivations ? l : 0];
            if (gpt2) {
                gpt2BlockForward(blocks[l], a, x, B, T);
            } else {
                llamaBlockForward(blocks[l], a, x, B, T);
            }
            x = a.out;
        }
        if (gpt2) {
            layerNormForward(normF, meanF, rstdF, x, finalNormWeight.data(), finalNormBias.data(), N, C);
        } else {
            rmsNormForward(normF, rstdF, x, finalNormWeight.data(), N, C);
        }
        // Padding rows: a zero input row gives a zero logits row and no lm-head gradient.
        for (int n = 0; n < N; n++) {
            if (this.positions[n] < 0) {
                Arrays.fill(normF, n * C, (n + 1) * C, 0f);
            }
        }
    }

    /** Refuses inputs a forward cannot take (either engine): shapes, padding, token ids, GPT-2's positions. */
    static void checkInputs(ModelConfig cfg, int[] tokens, int[] positions, int B, int T) {
        int N = B * T;
        if (B < 1 || T < 1 || tokens.length != N || positions.length != N) {
            throw new IllegalArgumentException("tokens and positions must hold B*T = " + B + "*" + T
                    + " entries, got " + tokens.length + " and " + positions.length);
        }
        boolean gpt2 = cfg.family() == ModelConfig.Family.GPT2;
        for (int n = 0; n < N; n++) {
            if (positions[n] < -1) {
                throw new IllegalArgumentException("position " + positions[n] + " at index " + n + " (padding is -1)");
            }
            if (positions[n] >= 0 && (tokens[n] < 0 || tokens[n] >= cfg.vocabSize())) {
                throw new IllegalArgumentException("token id " + tokens[n] + " at index " + n
                        + " is outside the vocabulary of " + cfg.vocabSize());
            }
            if (gpt2 && positions[n] >= cfg.maxPositions()) {
                throw new IllegalArgumentException("position " + positions[n] + " at index " + n
                        + " is past n_positions " + cfg.maxPositions());
            }
        }
    }

    private void gpt2BlockForward(Block b, LayerActs a, float[] x, int B, int T) {
        int N = B * T;
        layerNormForward(a.norm1, a.mean1, a.rstd1, x, b.norm1Weight.data(), b.norm1Bias.data(), N, C);
        b.qkv.forward(workers, a.norm1, a.qkv, N, 0f);
        attentionForward(a.attnY, a.att, a.qkv, 3 * C, 0, a.qkv, 3 * C, C, a.qkv, 3 * C, 2 * C, B, T);
        System.arraycopy(x, 0, a.x1, 0, N * C);
        b.attnOut.forward(workers, a.attnY, a.x1, N, 1f);
        layerNormForward(a.norm2, a.mean2, a.rstd2, a.x1, b.norm2Weight.data(), b.norm2Bias.data(), N, C);
        b.fc.forward(workers, a.norm2, a.h1, N, 0f);
        geluForward(a.act, a.h1, N * FF);
        System.arraycopy(a.x1, 0, a.out, 0, N * C);
        b.mlpOut.forward(workers, a.act, a.out, N, 1f);
    }

    private void llamaBlockForward(Block b, LayerActs a, float[] x, int B, int T) {
        int N = B * T;
        rmsNormForward(a.norm1, a.rstd1, x, b.norm1Weight.data(), N, C);
        b.q.forward(workers, a.norm1, cfg.qkNorm() ? a.qRaw : a.q, N, 0f);
        b.k.forward(workers, a.norm1, cfg.qkNorm() ? a.kRaw : a.k, N, 0f);
        b.v.forward(workers, a.norm1, a.v, N, 0f);
        if (cfg.qkNorm()) {
            rmsNormForward(a.q, a.qRstd, a.qRaw, b.qNormWeight.data(), N * NH, HS);
            rmsNormForward(a.k, a.kRstd, a.kRaw, b.kNormWeight.data(), N * NKV, HS);
        }
        ropeForward(a.q, N, NH);
        ropeForward(a.k, N, NKV);
        attentionForward(a.attnY, a.att, a.q, NH * HS, 0, a.k, NKV * HS, 0, a.v, NKV * HS, 0, B, T);
        System.arraycopy(x, 0, a.x1, 0, N * C);
        b.attnOut.forward(workers, a.attnY, a.x1, N, 1f);
        rmsNormForward(a.norm2, a.rstd2, a.x1, b.norm2Weight.data(), N, C);
        b.gate.forward(workers, a.norm2, a.h1, N, 0f);
        b.up.forward(workers, a.norm2, a.h2, N, 0f);
        swigluForward(a.act, a.h1, a.h2, N * FF);
        System.arraycopy(a.x1, 0, a.out, 0, N * C);
        b.down.forward(workers, a.act, a.out, N, 1f);
    }

    // ================================================================== backward

    @Override
    public void backward(float[] dLogits) {
        if (!activationsKept) {
            throw new IllegalStateException("backward needs a forward with keepActivations = true");
        }
        int B = actB, T = actT, N = B * T;
        if (dLogits.length != N * V) {
            throw new IllegalArgumentException("dLogits must hold B*T*V = " + N * V + " entries, got " + dLogits.length);
        }
        BackwardScratch s = scratch();
        // lm head: logits = normF · Wᵀ
        Parameter head = lmHead != null ? lmHead : tokenEmbedding;
        Matmul.gemm(workers, false, false, N, C, V, 1f, dLogits, head.data(), 0f, s.dNormF);
        if (head.trainable()) {
            Matmul.gemm(workers, true, false, V, C, N, 1f, dLogits, normF, 1f, head.grad());
        }
        for (int n = 0; n < N; n++) {
            if (positions[n] < 0) {
                Arrays.fill(s.dNormF, n * C, (n + 1) * C, 0f);
            }
        }
        float[] dx = s.dx;
        Arrays.fill(dx, 0, N * C, 0f);
        float[] xLast = acts[L - 1].out;
        if (gpt2) {
            layerNormBackward(dx, finalNormWeight.grad(), finalNormBias.grad(), s.dNormF, xLast, meanF, rstdF,
                    finalNormWeight.data(), N, C);
        } else {
            rmsNormBackward(dx, finalNormWeight.grad(), s.dNormF, xLast, rstdF, finalNormWeight.data(), N, C);
        }
        for (int l = L - 1; l >= 0; l--) {
            float[] x = l == 0 ? x0 : acts[l - 1].out;
            if (gpt2) {
                gpt2BlockBackward(blocks[l], acts[l], x, s, B, T);
            } else {
                llamaBlockBackward(blocks[l], acts[l], x, s, B, T);
            }
        }
        embeddingBackward(dx, N);
    }

    /** {@code s.dx} holds dLoss/d(block output) on entry and dLoss/d(block input) on exit. */
    private void gpt2BlockBackward(Block b, LayerActs a, float[] x, BackwardScratch s, int B, int T) {
        int N = B * T;
        b.mlpOut.backward(workers, a.act, s.dx, s.dAct, N);
        geluBackward(s.dAct, a.h1, N * FF);
        b.fc.backward(workers, a.norm2, s.dAct, s.dNorm, N);
        layerNormBackward(s.dx, b.norm2Weight.grad(), b.norm2Bias.grad(), s.dNorm, a.x1, a.mean2, a.rstd2,
                b.norm2Weight.data(), N, C);
        b.attnOut.backward(workers, a.attnY, s.dx, s.dY, N);
        Arrays.fill(s.dQkv, 0, N * 3 * C, 0f);
        attentionBackward(s.dQkv, s.dQkv, s.dQkv, s.dY, a.att, a.qkv, 3 * C, 0, a.qkv, 3 * C, C, a.qkv, 3 * C, 2 * C, B, T);
        b.qkv.backward(workers, a.norm1, s.dQkv, s.dNorm, N);
        layerNormBackward(s.dx, b.norm1Weight.grad(), b.norm1Bias.grad(), s.dNorm, x, a.mean1, a.rstd1,
                b.norm1Weight.data(), N, C);
    }

    private void llamaBlockBackward(Block b, LayerActs a, float[] x, BackwardScratch s, int B, int T) {
        int N = B * T;
        b.down.backward(workers, a.act, s.dx, s.dAct, N);
        swigluBackward(s.dAct, s.dUp, a.h1, a.h2, N * FF); // dAct becomes dGate
        b.gate.backward(workers, a.norm2, s.dAct, s.dNorm, N);
        b.up.backwardAccumulate(workers, a.norm2, s.dUp, s.dNorm, N);
        rmsNormBackward(s.dx, b.norm2Weight.grad(), s.dNorm, a.x1, a.rstd2, b.norm2Weight.data(), N, C);
        b.attnOut.backward(workers, a.attnY, s.dx, s.dY, N);
        Arrays.fill(s.dq, 0, N * NH * HS, 0f);
        Arrays.fill(s.dk, 0, N * NKV * HS, 0f);
        Arrays.fill(s.dv, 0, N * NKV * HS, 0f);
        attentionBackward(s.dq, s.dk, s.dv, s.dY, a.att, a.q, NH * HS, 0, a.k, NKV * HS, 0, a.v, NKV * HS, 0, B, T);
        ropeBackward(s.dq, N, NH);
        ropeBackward(s.dk, N, NKV);
        float[] dq = s.dq, dk = s.dk;
        if (cfg.qkNorm()) {
            Arrays.fill(s.dqRaw, 0, N * NH * HS, 0f);
            Arrays.fill(s.dkRaw, 0, N * NKV * HS, 0f);
            rmsNormBackward(s.dqRaw, b.qNormWeight.grad(), s.dq, a.qRaw, a.qRstd, b.qNormWeight.data(), N * NH, HS);
            rmsNormBackward(s.dkRaw, b.kNormWeight.grad(), s.dk, a.kRaw, a.kRstd, b.kNormWeight.data(), N * NKV, HS);
            dq = s.dqRaw;
            dk = s.dkRaw;
        }
        b.q.backward(workers, a.norm1, dq, s.dNorm, N);
        b.k.backwardAccumulate(workers, a.norm1, dk, s.dNorm, N);
        b.v.backwardAccumulate(workers, a.norm1, s.dv, s.dNorm, N);
        rmsNormBackward(s.dx, b.norm1Weight.grad(), s.dNorm, x, a.rstd1, b.norm1Weight.data(), N, C);
    }

    // ================================================================== layers

    // ---------------------------------------------------------------- embedding
    private void embeddingForward(float[] out, int[] tokens, int[] positions, int N) {
        float[] wte = tokenEmbedding.data();
        float[] wpe = gpt2 ? positionEmbedding.data() : null;
        workers.forRange(N, (from, to) -> {
            for (int n = from; n < to; n++) {
                int o = n * C;
                if (positions[n] < 0) {
                    Arrays.fill(out, o, o + C, 0f);
                    continue;
                }
                int t = tokens[n] * C;
                if (wpe == null) {
                    System.arraycopy(wte, t, out, o, C);
                } else {
                    int p = positions[n] * C;
                    for (int c = 0; c < C; c++) {
                        out[o + c] = wte[t + c] + wpe[p + c];
                    }
                }
            }
        });
    }

    /** Scatter-adds the rows of dOut into the embedding rows they came from (by columns: no races). */
    private void embeddingBackward(float[] dOut, int N) {
        float[] dwte = tokenEmbedding.grad();
        float[] dwpe = gpt2 ? positionEmbedding.grad() : null;
        if (dwte == null && dwpe == null) {
            return;
        }
        workers.forRange(C, (c0, c1) -> {
            for (int n = 0; n < N; n++) {
                if (positions[n] < 0) {
                    continue;
                }
                int o = n * C;
                if (dwte != null) {
                    int t = tokens[n] * C;
                    for (int c = c0; c < c1; c++) {
                        dwte[t + c] += dOut[o + c];
                    }
                }
                if (dwpe != null) {
                    int p = positions[n] * C;
                    for (int c = c0; c < c1; c++) {
                        dwpe[p + c] += dOut[o + c];
                    }
                }
            }
        });
    }

    // ---------------------------------------------------------------- LayerNorm (GPT-2)
    /** out = (x - mean) * rstd * w + b per row of D, rstd = 1/sqrt(var + eps), var biased. */
    private void layerNormForward(float[] out, float[] mean, float[] rstd, float[] x, float[] w, float[] b, int rows, int D) {
        workers.forRange(rows, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * D;
                float m = 0f;
                for (int i = 0; i < D; i++) {
                    m += x[o + i];
                }
                m /= D;
                float var = 0f;
                for (int i = 0; i < D; i++) {
                    float d = x[o + i] - m;
                    var += d * d;
                }
                var /= D;
                float s = (float) (1.0 / Math.sqrt(var + eps));
                for (int i = 0; i < D; i++) {
                    out[o + i] = (x[o + i] - m) * s * w[i] + b[i];
                }
                mean[r] = m;
                rstd[r] = s;
            }
        });
    }

    /** dx += rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dOut * w; dw += dOut * xhat; db += dOut. */
    private void layerNormBackward(float[] dx, float[] dw, float[] db, float[] dOut, float[] x, float[] mean,
                                   float[] rstd, float[] w, int rows, int D) {
        workers.forRange(rows, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * D;
                float m = mean[r], s = rstd[r];
                float gMean = 0f, gxMean = 0f;
                for (int i = 0; i < D; i++) {
                    float xhat = (x[o + i] - m) * s;
                    float g = dOut[o + i] * w[i];
                    gMean += g;
                    gxMean += g * xhat;
                }
                gMean /= D;
                gxMean /= D;
                for (int i = 0; i < D; i++) {
                    float xhat = (x[o + i] - m) * s;
                    float g = dOut[o + i] * w[i];
                    dx[o + i] += s * (g - gMean - xhat * gxMean);
                }
            }
        });
        if (dw != null) {
            workers.forRange(D, (i0, i1) -> {
                for (int r = 0; r < rows; r++) {
                    int o = r * D;
                    float m = mean[r], s = rstd[r];
                    for (int i = i0; i < i1; i++) {
                        dw[i] += dOut[o + i] * (x[o + i] - m) * s;
                        db[i] += dOut[o + i];
                    }
                }
            });
        }
    }

    // ---------------------------------------------------------------- RMSNorm (Llama family, Qwen3 q/k)
    /** out = w * x * rstd per row of D, rstd = 1/sqrt(mean(x²) + eps) (HF computes it in float32). */
    private void rmsNormForward(float[] out, float[] rstd, float[] x, float[] w, int rows, int D) {
        workers.forRange(rows, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * D;
                float ss = 0f;
                for (int i = 0; i < D; i++) {
                    ss += x[o + i] * x[o + i];
                }
                float s = (float) (1.0 / Math.sqrt(ss / D + eps));
                for (int i = 0; i < D; i++) {
                    out[o + i] = w[i] * (x[o + i] * s);
                }
                rstd[r] = s;
            }
        });
    }

    /** dx += rstd * (g - xhat * mean(g * xhat)) with g = dOut * w, xhat = x * rstd; dw += dOut * xhat. */
    private void rmsNormBackward(float[] dx, float[] dw, float[] dOut, float[] x, float[] rstd, float[] w, int rows, int D) {
        workers.forRange(rows, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * D;
                float s = rstd[r];
                float gxMean = 0f;
                for (int i = 0; i < D; i++) {
                    gxMean += dOut[o + i] * w[i] * x[o + i] * s;
                }
                gxMean /= D;
                for (int i = 0; i < D; i++) {
                    float xhat = x[o + i] * s;
                    dx[o + i] += s * (dOut[o + i] * w[i] - xhat * gxMean);
                }
            }
        });
        if (dw != null) {
            workers.forRange(D, (i0, i1) -> {
                for (int r = 0; r < rows; r++) {
                    int o = r * D;
                    float s = rstd[r];
                    for (int i = i0; i < i1; i++) {
                        dw[i] += dOut[o + i] * x[o + i] * s;
                    }
                }
            });
        }
    }

    // ---------------------------------------------------------------- RoPE
    /**
     * cos and sin of position * inv_freq[i] for i < HS/2, as HF computes them in float32:
     * inv_freq = 1 / theta^(2i/HS), then rope_scaling: linear divides by factor; llama3 divides the
     * low frequencies by factor and blends the middle band (HF's _compute_llama3_parameters).
     */
    private void ropeTables(int[] positions, int N) {
        float[] inv = inverseFrequencies(cfg, HS);
        workers.forRange(N, (from, to) -> ropeTable(inv, positions, from, to, ropeCos, ropeSin));
    }

    /** Rows [from, to) of the cos/sin tables [N, HS/2] (CudaTransformerLm uploads the same tables). */
    static void ropeTable(float[] inv, int[] positions, int from, int to, float[] cos, float[] sin) {
        int half = inv.length;
        for (int n = from; n < to; n++) {
            float pos = Math.max(positions[n], 0);
            for (int i = 0; i < half; i++) {
                float angle = pos * inv[i];
                cos[n * half + i] = (float) Math.cos(angle);
                sin[n * half + i] = (float) Math.sin(angle);
            }
        }
    }

    static float[] inverseFrequencies(ModelConfig cfg, int HS) {
        int half = HS / 2;
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / HS;
            inv[i] = 1.0f / (float) Math.pow((float) cfg.ropeTheta(), exponent);
        }
        switch (cfg.ropeScaling()) {
            case NONE -> {
            }
            case LINEAR -> {
                for (int i = 0; i < half; i++) {
                    inv[i] = (float) (inv[i] / cfg.ropeFactor());
                }
            }
            case LLAMA3 -> {
                double factor = cfg.ropeFactor();
                double low = cfg.ropeLowFreqFactor(), high = cfg.ropeHighFreqFactor();
                double oldContext = cfg.ropeOriginalMaxPositions();
                double lowFreqWavelen = oldContext / low;
                double highFreqWavelen = oldContext / high;
                for (int i = 0; i < half; i++) {
                    double f = inv[i];
                    double wavelen = 2 * Math.PI / f;
                    double scaled = wavelen > lowFreqWavelen ? f / factor : f;
                    if (!(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen)) {
                        double smooth = (oldContext / wavelen - low) / (high - low);
                        scaled = (1 - smooth) * scaled / factor + smooth * scaled;
                    }
                    inv[i] = (float) scaled;
                }
            }
        }
        return inv;
    }

    /** Rotates each head's pairs (i, i + HS/2) by the position's angle, in place (HF's rotate_half). */
    private void ropeForward(float[] x, int N, int heads) {
        workers.forRange(N, (from, to) -> rotateHalf(x, from, to, heads, HS, ropeCos, ropeSin, 1f));
    }

    /** The transposed rotation: gradient with respect to the input of {@link #ropeForward}, in place. */
    private void ropeBackward(float[] dx, int N, int heads) {
        workers.forRange(N, (from, to) -> rotateHalf(dx, from, to, heads, HS, ropeCos, ropeSin, -1f));
    }

    /**
     * Rows [from, to) of x [rows, heads*HS]: each head's pairs (i, i + HS/2) rotated by the row's
     * angle (direction 1) or by its negative (-1, the transpose: the backward). Negating the sine
     * is exact, so the backward's arithmetic is that of the rotation written out with its signs.
     */
    static void rotateHalf(float[] x, int from, int to, int heads, int HS, float[] cos, float[] sin, float direction) {
        int half = HS / 2;
        for (int n = from; n < to; n++) {
            for (int h = 0; h < heads; h++) {
                int o = (n * heads + h) * HS;
                for (int i = 0; i < half; i++) {
                    float c = cos[n * half + i], s = direction * sin[n * half + i];
                    float a = x[o + i], b = x[o + i + half];
                    x[o + i] = a * c - b * s;
                    x[o + i + half] = b * c + a * s;
                }
            }
        }
    }

    // ---------------------------------------------------------------- attention
    /** For each position, the row index where its sequence starts, or -1 at padding. */
    static void sequenceStarts(int[] positions, int[] seqStart, int B, int T) {
        for (int b = 0; b < B; b++) {
            int start = -1;
            for (int t = 0; t < T; t++) {
                int n = b * T + t;
                if (positions[n] < 0) {
                    start = -1;
                } else if (positions[n] == 0 || start < 0) {
                    start = t;
                }
                seqStart[n] = start;
            }
        }
    }

    /**
     * y = softmax(q·kᵀ / sqrt(HS)) · v per query head over the keys t' in [start of sequence, t];
     * query head h reads key/value head h / (NH/NKV). q, k, v are read at row stride and channel
     * offset (GPT-2's fused qkv). att [B, NH, T, T] keeps the probabilities for the backward.
     */
    private void attentionForward(float[] y, float[] att, float[] q, int qStride, int qOff, float[] k, int kStride, int kOff,
                                  float[] v, int vStride, int vOff, int B, int T) {
        float scale = (float) (1.0 / Math.sqrt(HS));
        int group = NH / NKV;
        workers.forRange(B * NH, (from, to) -> {
            for (int bh = from; bh < to; bh++) {
                int b = bh / NH, h = bh % NH, kvh = h / group;
                for (int t = 0; t < T; t++) {
                    int n = b * T + t;
                    int a = (bh * T + t) * T;
                    Arrays.fill(att, a, a + T, 0f);
                    int yo = n * NH * HS + h * HS;
                    Arrays.fill(y, yo, yo + HS, 0f);
                    int start = seqStart[n];
                    if (start < 0) {
                        continue;
                    }
                    int qo = n * qStride + qOff + h * HS;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int t2 = start; t2 <= t; t2++) {
                        int ko = (b * T + t2) * kStride + kOff + kvh * HS;
                        float dot = 0f;
                        for (int i = 0; i < HS; i++) {
                            dot += q[qo + i] * k[ko + i];
                        }
                        dot *= scale;
                        att[a + t2] = dot;
                        max = Math.max(max, dot);
                    }
                    float sum = 0f;
                    for (int t2 = start; t2 <= t; t2++) {
                        float e = (float) Math.exp(att[a + t2] - max);
                        att[a + t2] = e;
                        sum += e;
                    }
                    float inv = 1f / sum;
                    for (int t2 = start; t2 <= t; t2++) {
                        float p = att[a + t2] * inv;
                        att[a + t2] = p;
                        int vo = (b * T + t2) * vStride + vOff + kvh * HS;
                        for (int i = 0; i < HS; i++) {
                            y[yo + i] += p * v[vo + i];
                        }
                    }
                }
            }
        });
    }

    /**
     * Adds the gradients of q, k and v (same layout as their forward inputs). Work is split by
     * (row, key/value head), so the query heads sharing a k/v head never write concurrently.
     */
    private void attentionBackward(float[] dq, float[] dk, float[] dv, float[] dy, float[] att,
                                   float[] q, int qStride, int qOff, float[] k, int kStride, int kOff,
                                   float[] v, int vStride, int vOff, int B, int T) {
        float scale = (float) (1.0 / Math.sqrt(HS));
        int group = NH / NKV;
        workers.forRange(B * NKV, (from, to) -> {
            float[] dp = new float[T];
            for (int bk = from; bk < to; bk++) {
                int b = bk / NKV, kvh = bk % NKV;
                for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                    int bh = b * NH + h;
                    for (int t = 0; t < T; t++) {
                        int n = b * T + t;
                        int start = seqStart[n];
                        if (start < 0) {
                            continue;
                        }
                        int a = (bh * T + t) * T;
                        int yo = n * NH * HS + h * HS;
                        int qo = n * qStride + qOff + h * HS;
                        // dp = dy · v; dv += p * dy; the softmax's backward: ds = p * (dp - sum(p * dp))
                        float pdp = 0f;
                        for (int t2 = start; t2 <= t; t2++) {
                            int vo = (b * T + t2) * vStride + vOff + kvh * HS;
                            float p = att[a + t2];
                            float d = 0f;
                            for (int i = 0; i < HS; i++) {
                                d += dy[yo + i] * v[vo + i];
                                dv[vo + i] += p * dy[yo + i];
                            }
                            dp[t2] = d;
                            pdp += p * d;
                        }
                        for (int t2 = start; t2 <= t; t2++) {
                            float ds = att[a + t2] * (dp[t2] - pdp) * scale;
                            int ko = (b * T + t2) * kStride + kOff + kvh * HS;
                            for (int i = 0; i < HS; i++) {
                                dq[qo + i] += ds * k[ko + i];
                                dk[ko + i] += ds * q[qo + i];
                            }
                        }
                    }
                }
            }
        });
    }

    // ---------------------------------------------------------------- GELU (tanh approximation)
    private static final float GELU_SCALE = (float) Math.sqrt(2.0 / Math.PI);

    /** HF's gelu_new: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x³))). */
    private void geluForward(float[] out, float[] x, int size) {
        workers.forRange(size, (from, to) -> {
            for (int i = from; i < to; i++) {
                float v = x[i];
                float u = GELU_SCALE * (v + 0.044715f * v * v * v);
                out[i] = 0.5f * v * (1f + (float) Math.tanh(u));
            }
        });
    }

    /** dx = dOut * gelu'(x), in place in dOut. */
    private void geluBackward(float[] dOut, float[] x, int size) {
        workers.forRange(size, (from, to) -> {
            for (int i = from; i < to; i++) {
                float v = x[i];
                float u = GELU_SCALE * (v + 0.044715f * v * v * v);
                float th = (float) Math.tanh(u);
                float sech2 = 1f - th * th;
                float grad = 0.5f * (1f + th) + 0.5f * v * sech2 * GELU_SCALE * (1f + 3f * 0.044715f * v * v);
                dOut[i] *= grad;
            }
        });
    }

    // ---------------------------------------------------------------- SwiGLU
    /** out = silu(gate) * up, silu(g) = g / (1 + e^-g). */
    private void swigluForward(float[] out, float[] gate, float[] up, int size) {
        workers.forRange(size, (from, to) -> {
            for (int i = from; i < to; i++) {
                float g = gate[i];
                out[i] = g / (1f + (float) Math.exp(-g)) * up[i];
            }
        });
    }

    /** dUp = dOut * silu(gate); dGate = dOut * up * silu'(gate), written over dOut. */
    private void swigluBackward(float[] dOutToDGate, float[] dUp, float[] gate, float[] up, int size) {
        workers.forRange(size, (from, to) -> {
            for (int i = from; i < to; i++) {
                float g = gate[i];
                float sig = 1f / (1f + (float) Math.exp(-g));
                float d = dOutToDGate[i];
                dUp[i] = d * g * sig;
                dOutToDGate[i] = d * up[i] * sig * (1f + g * (1f - sig));
            }
        });
    }

    // ---------------------------------------------------------------- linear maps (+ LoRA)
    /**
     * y = x · Wᵀ + b for a torch Linear (W [out, in]) or x · W + b for GPT-2's Conv1D (W [in, out]),
     * plus (alpha/r) · (x · Aᵀ) · Bᵀ when a LoRA adapter is attached (A [r, in], B [out, r]).
     */
    static final class Linear {
        final String module;      // HF module path, e.g. model.layers.0.self_attn.q_proj
        final String shortName;   // what PEFT's target_modules matches, e.g. q_proj
        final int in, out;
        final Parameter weight, bias;
        final boolean conv1d;
        Parameter loraA, loraB;
        float loraScale;
        private float[] loraU, loraDu; // x · Aᵀ of the last forward, and its gradient [N, r]

        Linear(String module, String shortName, int in, int out, Parameter weight, Parameter bias, boolean conv1d) {
            this.module = module;
            this.shortName = shortName;
            this.in = in;
            this.out = out;
            this.weight = weight;
            this.bias = bias;
            this.conv1d = conv1d;
        }

        /** y = beta * y + this(x) for N rows. */
        void forward(Workers w, float[] x, float[] y, int N, float beta) {
            Matmul.gemm(w, false, !conv1d, N, out, in, 1f, x, weight.data(), beta, y);
            if (bias != null) {
                float[] bd = bias.data();
                w.forRange(N, (from, to) -> {
                    for (int n = from; n < to; n++) {
                        int o = n * out;
                        for (int j = 0; j < out; j++) {
                            y[o + j] += bd[j];
                        }
                    }
                });
            }
            if (loraA != null) {
                int r = loraA.shape()[0];
                if (loraU == null || loraU.length != N * r) {
                    loraU = new float[N * r];
                    loraDu = new float[N * r];
                }
                Matmul.gemm(w, false, true, N, r, in, 1f, x, loraA.data(), 0f, loraU);
                Matmul.gemm(w, false, true, N, out, r, loraScale, loraU, loraB.data(), 1f, y);
            }
        }

        /** dx = dy · W (overwritten); adds dW, db and the adapters' gradients. */
        void backward(Workers w, float[] x, float[] dy, float[] dx, int N) {
            backward(w, x, dy, dx, N, 0f);
        }

        /** dx += dy · W; adds dW, db and the adapters' gradients. */
        void backwardAccumulate(Workers w, float[] x, float[] dy, float[] dx, int N) {
            backward(w, x, dy, dx, N, 1f);
        }

        private void backward(Workers w, float[] x, float[] dy, float[] dx, int N, float dxBeta) {
            if (weight.trainable()) {
                if (conv1d) {
                    Matmul.gemm(w, true, false, in, out, N, 1f, x, dy, 1f, weight.grad());
                } else {
                    Matmul.gemm(w, true, false, out, in, N, 1f, dy, x, 1f, weight.grad());
                }
            }
            if (bias != null && bias.trainable()) {
                float[] db = bias.grad();
                w.forRange(out, (j0, j1) -> {
                    for (int n = 0; n < N; n++) {
                        int o = n * out;
                        for (int j = j0; j < j1; j++) {
                            db[j] += dy[o + j];
                        }
                    }
                });
            }
            Matmul.gemm(w, false, conv1d, N, in, out, 1f, dy, weight.data(), dxBeta, dx);
            if (loraA != null) {
                int r = loraA.shape()[0];
                Matmul.gemm(w, true, false, out, r, N, loraScale, dy, loraU, 1f, loraB.grad());
                Matmul.gemm(w, false, false, N, r, out, loraScale, dy, loraB.data(), 0f, loraDu);
                Matmul.gemm(w, true, false, r, in, N, 1f, loraDu, x, 1f, loraA.grad());
                Matmul.gemm(w, false, false, N, in, r, 1f, loraDu, loraA.data(), 1f, dx);
            }
        }

        /** W + (alpha/r)·B·A in W's own layout. */
        float[] mergedWeight() {
            float[] merged = weight.data().clone();
            if (loraA == null) {
                return merged;
            }
            int r = loraA.shape()[0];
            float[] a = loraA.data(), b = loraB.data();
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    float d = 0f;
                    for (int k = 0; k < r; k++) {
                        d += b[o * r + k] * a[k * in + i];
                    }
                    merged[conv1d ? i * out + o : o * in + i] += loraScale * d;
                }
            }
            return merged;
        }
    }

    // ================================================================== LoRA

    @Override
    public void enableLora(LoraConfig loraConfig, long seed) {
        if (lora != null) {
            throw new IllegalStateException("LoRA is already enabled");
        }
        List<String> targets = loraConfig.targetModules().isEmpty() ? defaultLoraTargets() : loraConfig.targetModules();
        List<String> known = defaultLoraTargets();
        for (String t : targets) {
            if (!known.contains(t)) {
                throw new IllegalArgumentException("LoRA target module " + t + " is not a projection of "
                        + cfg.modelType() + " (" + String.join(", ", known) + ")");
            }
        }
        for (Parameter p : parameters) {
            p.freeze();
        }
        int r = loraConfig.rank();
        int index = 0;
        for (Linear lin : linears()) {
            index++;
            if (!targets.contains(lin.shortName)) {
                continue;
            }
            String peft = "base_model.model." + lin.module;
            lin.loraA = new Parameter(peft + ".lora_A.weight", r, lin.in);
            lin.loraB = new Parameter(peft + ".lora_B.weight", lin.out, r);
            lin.loraScale = loraConfig.scale();
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
            double bound = 1.0 / Math.sqrt(lin.in);
            float[] a = lin.loraA.data();
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
            }
        }
        this.lora = new LoraConfig(r, loraConfig.alpha(), targets, loraConfig.baseModelNameOrPath());
        scratch = null;
    }

    List<String> defaultLoraTargets() {
        return gpt2 ? List.of("c_attn", "c_proj", "c_fc")
                : List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    }

    // ================================================================== memory

    @Override
    public long estimateTrainingBytes(int B, int T) {
        return estimateTrainingBytes(cfg, lora, B, T);
    }

    @Override
    public long estimateInferenceBytes(int B, int T) {
        return estimateInferenceBytes(cfg, B, T);
    }

    /** Parameters of a model of this config (tied embeddings counted once). */
    public static long parameterCount(ModelConfig cfg) {
        long C = cfg.hiddenSize(), V = cfg.vocabSize(), FF = cfg.intermediateSize();
        long q = (long) cfg.numHeads() * cfg.headDim(), kv = (long) cfg.numKvHeads() * cfg.headDim();
        long perLayer;
        long rest;
        if (cfg.family() == ModelConfig.Family.GPT2) {
            perLayer = 4 * C + C * 3 * C + 3 * C + C * C + C + C * FF + FF + FF * C + C;
            rest = V * C + (long) cfg.maxPositions() * C + 2 * C;
        } else {
            perLayer = 2 * C + C * (q + 2 * kv) + q * C + 3 * C * FF
                    + (cfg.qkvBias() ? q + 2 * kv : 0) + (cfg.outputBias() ? C : 0) + (cfg.mlpBias() ? 2 * FF + C : 0)
                    + (cfg.qkNorm() ? 2L * cfg.headDim() : 0);
            rest = V * C + C;
        }
        if (!cfg.tieWordEmbeddings()) {
            rest += V * C;
        }
        return perLayer * cfg.numLayers() + rest;
    }

    /** LoRA adapter parameters (A and B of every target) for {@code lora}. */
    public static long loraParameterCount(ModelConfig cfg, LoraConfig lora) {
        if (lora == null) {
            return 0;
        }
        long C = cfg.hiddenSize(), FF = cfg.intermediateSize();
        long q = (long) cfg.numHeads() * cfg.headDim(), kv = (long) cfg.numKvHeads() * cfg.headDim();
        List<String> t = lora.targetModules();
        boolean all = t.isEmpty();
        long sum = 0;
        if (cfg.family() == ModelConfig.Family.GPT2) {
            if (all || t.contains("c_attn")) sum += C + 3 * C;
            if (all || t.contains("c_proj")) sum += (C + C) + (FF + C);
            if (all || t.contains("c_fc")) sum += C + FF;
        } else {
            if (all || t.contains("q_proj")) sum += C + q;
            if (all || t.contains("k_proj")) sum += C + kv;
            if (all || t.contains("v_proj")) sum += C + kv;
            if (all || t.contains("o_proj")) sum += q + C;
            if (all || t.contains("gate_proj")) sum += C + FF;
            if (all || t.contains("up_proj")) sum += C + FF;
            if (all || t.contains("down_proj")) sum += FF + C;
        }
        return sum * lora.rank() * cfg.numLayers();
    }

    /**
     * Bytes a training forward + backward at B x T needs before any optimizer state: weights,
     * gradients of the trainable tensors, every block's activations, the backward's scratch and
     * the logits [N, V]. The caller's dLogits [N, V] is not included.
     */
    public static long estimateTrainingBytes(ModelConfig cfg, LoraConfig lora, int B, int T) {
        long params = parameterCount(cfg);
        long loraParams = loraParameterCount(cfg, lora);
        long grads = lora == null ? params : loraParams;
        long floats = params + loraParams + grads
                + cfg.numLayers() * layerActivationFloats(cfg, lora, B, T)
                + modelActivationFloats(cfg, B, T)
                + backwardScratchFloats(cfg, lora, B, T);
        return 4 * floats;
    }

    /** Bytes of a forward-only run (a teacher): weights, one block's activations, the logits. */
    public static long estimateInferenceBytes(ModelConfig cfg, int B, int T) {
        return 4 * (parameterCount(cfg) + layerActivationFloats(cfg, null, B, T) + modelActivationFloats(cfg, B, T));
    }

    private static long layerActivationFloats(ModelConfig cfg, LoraConfig lora, int B, int T) {
        long N = (long) B * T, C = cfg.hiddenSize(), FF = cfg.intermediateSize();
        long q = (long) cfg.numHeads() * cfg.headDim(), kv = (long) cfg.numKvHeads() * cfg.headDim();
        long f = 4 * N * C + 4 * N            // norm1, x1, norm2, out; mean/rstd
                + N * (q + 2 * kv)            // q, k, v (or fused qkv)
                + (long) B * cfg.numHeads() * T * T // attention probabilities
                + N * q                       // attention output
                + N * FF * (cfg.family() == ModelConfig.Family.GPT2 ? 2 : 3);
        if (cfg.qkNorm()) {
            f += N * (q + kv) + N * (cfg.numHeads() + cfg.numKvHeads());
        }
        if (lora != null) {
            f += N * lora.rank() * 2 * (cfg.family() == ModelConfig.Family.GPT2 ? 4 : 7);
        }
        return f;
    }

    private static long modelActivationFloats(ModelConfig cfg, int B, int T) {
        long N = (long) B * T;
        return N * cfg.hiddenSize() * 2 + 2 * N + N * cfg.headDim() + N * cfg.vocabSize() + 3 * N;
    }

    private static long backwardScratchFloats(ModelConfig cfg, LoraConfig lora, int B, int T) {
        long N = (long) B * T, C = cfg.hiddenSize(), FF = cfg.intermediateSize();
        long q = (long) cfg.numHeads() * cfg.headDim(), kv = (long) cfg.numKvHeads() * cfg.headDim();
        long f = 3 * N * C + N * q + N * (q + 2 * kv) + 2 * N * FF;
        if (cfg.qkNorm()) {
            f += N * (q + kv);
        }
        return f;
    }

    // ================================================================== buffers

    private void allocateActivations(int B, int T, boolean keep) {
        int layersNeeded = keep ? L : 1;
        activationsKept = keep;
        if (B == actB && T == actT && (layersNeeded == actLayers || !keep)) {
            return; // a forward-only pass reuses the first block's buffers of a training shape
        }
        // Drop the old buffers first so peak memory is one set, not two.
        acts = null;
        logits = null;
        scratch = null;
        int N = B * T;
        x0 = new float[N * C];
        seqStart = new int[N];
        if (!gpt2) {
            ropeCos = new float[N * HS / 2];
            ropeSin = new float[N * HS / 2];
        }
        acts = new LayerActs[layersNeeded];
        for (int l = 0; l < layersNeeded; l++) {
            LayerActs a = new LayerActs();
            a.norm1 = new float[N * C];
            a.rstd1 = new float[N];
            a.mean1 = gpt2 ? new float[N] : null;
            if (gpt2) {
                a.qkv = new float[N * 3 * C];
            } else {
                a.q = new float[N * NH * HS];
                a.k = new float[N * NKV * HS];
                a.v = new float[N * NKV * HS];
                if (cfg.qkNorm()) {
                    a.qRaw = new float[N * NH * HS];
                    a.kRaw = new float[N * NKV * HS];
                    a.qRstd = new float[N * NH];
                    a.kRstd = new float[N * NKV];
                }
            }
            a.att = new float[B * NH * T * T];
            a.attnY = new float[N * NH * HS];
            a.x1 = new float[N * C];
            a.norm2 = new float[N * C];
            a.rstd2 = new float[N];
            a.mean2 = gpt2 ? new float[N] : null;
            a.h1 = new float[N * FF];
            a.h2 = gpt2 ? null : new float[N * FF];
            a.act = new float[N * FF];
            a.out = new float[N * C];
            acts[l] = a;
        }
        normF = new float[N * C];
        meanF = new float[N];
        rstdF = new float[N];
        logits = new float[N * V];
        actB = B;
        actT = T;
        actLayers = layersNeeded;
    }

    private BackwardScratch scratch() {
        if (scratch == null) {
            int N = actB * actT;
            BackwardScratch s = new BackwardScratch();
            s.dx = new float[N * C];
            s.dNorm = new float[N * C];
            s.dNormF = new float[N * C];
            s.dY = new float[N * NH * HS];
            if (gpt2) {
                s.dQkv = new float[N * 3 * C];
            } else {
                s.dq = new float[N * NH * HS];
                s.dk = new float[N * NKV * HS];
                s.dv = new float[N * NKV * HS];
                if (cfg.qkNorm()) {
                    s.dqRaw = new float[N * NH * HS];
                    s.dkRaw = new float[N * NKV * HS];
                }
            }
            s.dAct = new float[N * FF];
            s.dUp = gpt2 ? null : new float[N * FF];
            scratch = s;
        }
        return scratch;
    }

    // ================================================================== generation

    /** A generation session with a key/value cache: each block runs over the new tokens only. */
    @Override
    public Session session() {
        return new CachedSession();
    }

    /**
     * The keys and values of every block for the positions fed so far (after Qwen3's q/k norm and
     * RoPE), [context, NKV*HS] per block (GPT-2: NKV = NH), so that appending m tokens runs each
     * block over those m rows, their attention reading the cache. Its logits are those of
     * {@link #lastLogits} over the whole sequence, up to the products' rounding.
     */
    private final class CachedSession implements Session {
        private final int context = cfg.maxPositions();
        private final float[][] keys = new float[L][];
        private final float[][] values = new float[L][];
        private int length;

        @Override
        public int length() {
            return length;
        }

        /** The cached rows past {@code length} are simply overwritten by the next append. */
        @Override
        public void truncate(int length) {
            if (length < 0 || length > this.length) {
                throw new IllegalArgumentException("cannot truncate " + this.length + " positions to " + length);
            }
            this.length = length;
        }

        @Override
        public float[] append(int[] newTokens) {
            int m = newTokens.length;
            if (m == 0) {
                throw new IllegalArgumentException("nothing to append");
            }
            if (length + m > context) {
                throw new IllegalArgumentException(length + m + " positions are past the model's context of " + context);
            }
            int kv = NKV * HS;
            if (keys[0] == null) {
                for (int l = 0; l < L; l++) {
                    keys[l] = new float[context * kv];
                    values[l] = new float[context * kv];
                }
            }
            int[] pos = new int[m];
            for (int i = 0; i < m; i++) {
                pos[i] = length + i;
            }
            checkInputs(cfg, newTokens, pos, 1, m);
            float[] x = new float[m * C];
            embeddingForward(x, newTokens, pos, m);
            float[] cos = null;
            float[] sin = null;
            if (!gpt2) {
                cos = new float[m * (HS / 2)];
                sin = new float[m * (HS / 2)];
                ropeTable(inverseFrequencies(cfg, HS), pos, 0, m, cos, sin);
            }
            float[] norm = new float[m * C];
            float[] mean = new float[m];
            float[] rstd = new float[m];
            float[] y = new float[m * NH * HS];
            float[] x1 = new float[m * C];
            float[] h1 = new float[m * FF];
            float[] h2 = new float[m * FF];
            float[] act = new float[m * FF];
            for (int l = 0; l < L; l++) {
                Block b = blocks[l];
                float[] q;
                if (gpt2) {
                    layerNormForward(norm, mean, rstd, x, b.norm1Weight.data(), b.norm1Bias.data(), m, C);
                    float[] qkv = new float[m * 3 * C];
                    b.qkv.forward(workers, norm, qkv, m, 0f);
                    q = new float[m * C];
                    for (int i = 0; i < m; i++) {
                        System.arraycopy(qkv, i * 3 * C, q, i * C, C);
                        System.arraycopy(qkv, i * 3 * C + C, keys[l], (length + i) * kv, C);
                        System.arraycopy(qkv, i * 3 * C + 2 * C, values[l], (length + i) * kv, C);
                    }
                } else {
                    rmsNormForward(norm, rstd, x, b.norm1Weight.data(), m, C);
                    q = new float[m * NH * HS];
                    float[] k = new float[m * kv];
                    float[] v = new float[m * kv];
                    b.q.forward(workers, norm, q, m, 0f);
                    b.k.forward(workers, norm, k, m, 0f);
                    b.v.forward(workers, norm, v, m, 0f);
                    if (cfg.qkNorm()) {
                        rmsNormForward(q, new float[m * NH], q.clone(), b.qNormWeight.data(), m * NH, HS);
                        rmsNormForward(k, new float[m * NKV], k.clone(), b.kNormWeight.data(), m * NKV, HS);
                    }
                    rotateHalf(q, 0, m, NH, HS, cos, sin, 1f); // RoPE of the new positions
                    rotateHalf(k, 0, m, NKV, HS, cos, sin, 1f);
                    System.arraycopy(k, 0, keys[l], length * kv, m * kv);
                    System.arraycopy(v, 0, values[l], length * kv, m * kv);
                }
                attend(y, q, keys[l], values[l], m);
                System.arraycopy(x, 0, x1, 0, m * C);
                b.attnOut.forward(workers, y, x1, m, 1f);
                if (gpt2) {
                    layerNormForward(norm, mean, rstd, x1, b.norm2Weight.data(), b.norm2Bias.data(), m, C);
                    b.fc.forward(workers, norm, h1, m, 0f);
                    geluForward(act, h1, m * FF);
                    System.arraycopy(x1, 0, x, 0, m * C);
                    b.mlpOut.forward(workers, act, x, m, 1f);
                } else {
                    rmsNormForward(norm, rstd, x1, b.norm2Weight.data(), m, C);
                    b.gate.forward(workers, norm, h1, m, 0f);
                    b.up.forward(workers, norm, h2, m, 0f);
                    swigluForward(act, h1, h2, m * FF);
                    System.arraycopy(x1, 0, x, 0, m * C);
                    b.down.forward(workers, act, x, m, 1f);
                }
            }
            length += m;
            float[] last = Arrays.copyOfRange(x, (m - 1) * C, m * C);
            float[] lastNorm = new float[C];
            if (gpt2) {
                layerNormForward(lastNorm, new float[1], new float[1], last, finalNormWeight.data(),
                        finalNormBias.data(), 1, C);
            } else {
                rmsNormForward(lastNorm, new float[1], last, finalNormWeight.data(), 1, C);
            }
            float[] out = new float[V];
            Matmul.gemm(workers, false, true, 1, V, C, 1f, lastNorm, lmHead != null ? lmHead.data()
                    : tokenEmbedding.data(), 0f, out);
            return out;
        }

        /** {@link #attentionForward} for new row i at position length + i over cached rows 0..length + i. */
        private void attend(float[] y, float[] q, float[] k, float[] v, int m) {
            float scale = (float) (1.0 / Math.sqrt(HS));
            int group = NH / NKV;
            int kv = NKV * HS;
            workers.forRange(m * NH, (from, to) -> {
                float[] p = new float[length + m];
                for (int ih = from; ih < to; ih++) {
                    int i = ih / NH, h = ih % NH, kvh = h / group;
                    int t = length + i;
                    int qo = i * NH * HS + h * HS;
                    int yo = i * NH * HS + h * HS;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int t2 = 0; t2 <= t; t2++) {
                        int ko = t2 * kv + kvh * HS;
                        float dot = 0f;
                        for (int c = 0; c < HS; c++) {
                            dot += q[qo + c] * k[ko + c];
                        }
                        dot *= scale;
                        p[t2] = dot;
                        max = Math.max(max, dot);
                    }
                    float sum = 0f;
                    for (int t2 = 0; t2 <= t; t2++) {
                        float e = (float) Math.exp(p[t2] - max);
                        p[t2] = e;
                        sum += e;
                    }
                    float inv = 1f / sum;
                    Arrays.fill(y, yo, yo + HS, 0f);
                    for (int t2 = 0; t2 <= t; t2++) {
                        float w = p[t2] * inv;
                        int vo = t2 * kv + kvh * HS;
                        for (int c = 0; c < HS; c++) {
                            y[yo + c] += w * v[vo + c];
                        }
                    }
                }
            });
        }
    }
}
