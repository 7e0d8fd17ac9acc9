package io.distillab.training.model;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD32;

import io.distillab.training.cuda.Cublas;
import io.distillab.training.cuda.DeviceBuffer;
import io.distillab.training.cuda.Kernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * {@link TransformerLm} on a CUDA GPU: the same two block layouts (GPT-2; Llama, Qwen2, Qwen3),
 * the same tensors under the same names, forward and backward layer by layer, with the matrix
 * products through cuBLAS and every other layer a kernel of transformer.cu. Read it beside
 * TransformerLm.java: each method here is the GPU form of the method of the same name there.
 *
 * <p>Naming key, as there: B batch rows, T positions per row, N = B*T, C channels, V vocabulary,
 * NH query heads, NKV key/value heads, HS head size, FF the MLP's inner size, L layers. P is the
 * product type of {@link Precision} (float32, or bfloat16 under BF16): the type of every tensor
 * that is an operand of a matrix product.
 *
 * <p>The host model ({@link TransformerLm}) keeps the float32 tensors as Hugging Face names them;
 * this model uploads them, trains on the device, and writes weights back into them for a
 * checkpoint ({@link #download}). The output layer is not run over all N positions: the trainer
 * asks for the final norm's rows at the loss positions ({@link #finalNorm}) and hands back their
 * gradient ({@link #backward}), so no [N, V] tensor is ever formed (the chunked fused loss).
 * Attention materialises the probabilities [B, NH, T, T] per layer (for its backward), as
 * TransformerLm does.
 */
public final class CudaTransformerLm implements AutoCloseable {
    /**
     * How attention runs: FLASH, the fused kernels of flash_attention.cu (no [B, NH, T, T] tensor;
     * the probabilities are recomputed in the backward from each row's log-sum-exp), or
     * MATERIALIZED: scores and probabilities as strided-batched products and a masked softmax
     * kernel, the probabilities kept per layer for the backward.
     */
    public enum Attention { FLASH, MATERIALIZED }

    private final ModelConfig cfg;
    private final boolean gpt2;
    private final int V, C, L, NH, NKV, HS, FF;
    private final float eps;
    private final Precision precision;
    private final Cublas blas;
    private final Kernels k;
    private final Kernels flash;      // flash_attention.cu, when attention is FLASH
    private final Attention attention;
    private final String p;           // kernel suffix of the product type
    private final Cublas.DType P;     // the product type for cuBLAS
    private final Cublas.Compute compute;
    private final List<DeviceBuffer> owned = new ArrayList<>();

    // ------------------------------------------------------------------ parameters
    /** One tensor on the device: float32 master, its product copy (the master itself unless BF16), gradient. */
    public static final class Weight {
        final Parameter host;
        final DeviceBuffer master;
        final DeviceBuffer product;
        final DeviceBuffer grad;

        Weight(Parameter host, DeviceBuffer master, DeviceBuffer product, DeviceBuffer grad) {
            this.host = host;
            this.master = master;
            this.product = product;
            this.grad = grad;
        }

        public Parameter host() {
            return host;
        }

        public DeviceBuffer master() {
            return master;
        }

        /** The bfloat16 copy under BF16 (the optimizer refreshes it), else null. */
        public DeviceBuffer bf16Copy() {
            return product == master ? null : product;
        }

        /** Null when frozen. */
        public DeviceBuffer grad() {
            return grad;
        }

        public long size() {
            return host.size();
        }
    }

    private final Map<String, Weight> weights = new LinkedHashMap<>();
    /**
     * Every trainable tensor's gradient, one after another (each from a 256-byte boundary) in one
     * allocation: zeroing them is one memset, and a data-parallel all-reduce would see one range
     * (docs/gpu-training.md). Null when nothing is trainable.
     */
    private final DeviceBuffer gradArena;
    private long gradArenaUsed;
    private final Weight tokenEmbedding, positionEmbedding, finalNormWeight, finalNormBias, lmHead;
    private final Block[] blocks;

    /** y = x·Wᵀ + b (torch Linear, W [out, in]) or x·W + b (GPT-2 Conv1D, W [in, out]). */
    private static final class Linear {
        Weight weight, bias;
        int in, out;
        boolean conv1d;
    }

    private static final class Block {
        Weight norm1Weight, norm1Bias, norm2Weight, norm2Bias, qNormWeight, kNormWeight;
        Linear qkv, q, k, v, attnOut, fc, mlpOut, gate, up, down;
    }

    // ------------------------------------------------------------------ activations
    private int actB = -1, actT = -1;
    private boolean kept;             // the last forward kept every layer's activations (backward may follow)
    private boolean trainingBuffers;  // the buffers hold every layer and the backward's scratch
    private DeviceBuffer tokensDev, positionsDev, seqStartDev;
    private DeviceBuffer ropeCos, ropeSin;       // [ropePositions, HS/2], kept across forwards
    private int ropePositions;
    private DeviceBuffer bucketIds, bucketStarts, bucketRows; // embedding backward's buckets [N], [N + 1], [N]
    private int[] tokens, positions;
    private DeviceBuffer x0;                     // embedding output [N, C]
    private LayerActs[] acts;
    private DeviceBuffer normF, meanF, rstdF;    // final norm: P [N, C], statistics [N]
    private Scratch s;
    private final List<DeviceBuffer> activationBuffers = new ArrayList<>();

    /** What one block's backward needs from its forward. */
    private static final class LayerActs {
        DeviceBuffer norm1, mean1, rstd1;  // P [N, C]; [N]
        DeviceBuffer qkv;                  // GPT-2 f32 [N, 3C]
        DeviceBuffer qRaw, kRaw, qRstd, kRstd; // Qwen3 f32, before the q/k norm
        DeviceBuffer qh, kh, vh;           // P [B, NH, T, HS] (k, v repeated over each group)
        DeviceBuffer att;                  // MATERIALIZED: P [B, NH, T, T] probabilities
        DeviceBuffer yh, lse;              // FLASH: f32 [B, NH, T, HS] output per head, [B, NH, T] log-sum-exp
        DeviceBuffer attnY;                // P [N, NH*HS]
        DeviceBuffer x1;                   // f32 [N, C] residual after attention
        DeviceBuffer norm2, mean2, rstd2;
        DeviceBuffer h1, h2;               // f32 [N, FF]: GPT-2 c_fc output; Llama gate, up
        DeviceBuffer act;                  // P [N, FF]
        DeviceBuffer out;                  // f32 [N, C] block output
    }

    /** Tensors shared by all blocks: forward temporaries and the backward's gradients. */
    private static final class Scratch {
        DeviceBuffer q, k, v;              // Llama f32 [N, NH*HS], [N, NKV*HS] before the split into heads
        DeviceBuffer scores;               // f32 [B, NH, T, T]: scores, then dP
        DeviceBuffer dScores;              // P [B, NH, T, T] (the scores buffer itself under FP32/TF32)
        DeviceBuffer yh;                   // f32 [B, NH, T, HS]: y per head; the backward's dq/dk/dv per head
        DeviceBuffer dkh, dvh;             // f32 [B, NH, T, HS]
        DeviceBuffer dyh;                  // P [B, NH, T, HS]
        DeviceBuffer dx, dNorm;            // f32 [N, C]
        DeviceBuffer gradP;                // P copy of the gradient fed to the next product (BF16 only)
        DeviceBuffer dY;                   // f32 [N, NH*HS]
        DeviceBuffer dQkv;                 // GPT-2 f32 [N, 3C]
        DeviceBuffer dq, dk, dv;           // Llama f32 [N, NH*HS], [N, NKV*HS]
        DeviceBuffer dqRaw, dkRaw;         // Qwen3 f32
        DeviceBuffer dAct;                 // f32 [N, FF]
        DeviceBuffer dH1, dH2;             // P [N, FF]
        DeviceBuffer partial;              // f32 column-reduce partial sums
        DeviceBuffer delta;                // FLASH backward: f32 [B, NH, T] rowsum(dy * y)
    }

    public CudaTransformerLm(TransformerLm host, Precision precision, Cublas blas, Kernels kernels, Kernels flash,
                             Attention attention) {
        this.cfg = host.config();
        this.gpt2 = cfg.family() == ModelConfig.Family.GPT2;
        this.V = cfg.vocabSize();
        this.C = cfg.hiddenSize();
        this.L = cfg.numLayers();
        this.NH = cfg.numHeads();
        this.NKV = cfg.numKvHeads();
        this.HS = cfg.headDim();
        this.FF = cfg.intermediateSize();
        this.eps = (float) cfg.normEps();
        this.precision = precision;
        this.blas = blas;
        this.k = kernels;
        this.flash = flash;
        this.attention = attention;
        if (attention == Attention.FLASH && flash == null) {
            throw new IllegalArgumentException("flash attention needs the flash_attention module");
        }
        this.p = precision.suffix();
        this.P = precision.bf16() ? Cublas.DType.BF16 : Cublas.DType.F32;
        this.compute = precision == Precision.TF32 ? Cublas.Compute.TF32 : Cublas.Compute.FP32;
        if (host.lora() != null) {
            throw new IllegalArgumentException("LoRA is not trained on the GPU in this build; use --device cpu");
        }
        try {
            Map<String, Parameter> byName = new HashMap<>();
            for (Parameter param : host.parameters()) {
                byName.put(param.name(), param);
            }
            long gradBytes = 0;
            for (Parameter param : host.parameters()) {
                if (param.trainable()) {
                    gradBytes += gradSlotBytes(param.size());
                }
            }
            gradArena = gradBytes > 0 ? own(DeviceBuffer.allocate(gradBytes)) : null;
            if (gradArena != null) {
                gradArena.fill32(0);
            }
            String pre = gpt2 ? "transformer." : "model.";
            long headPadding = (long) (paddedHeadRows(V) - V) * C;
            tokenEmbedding = weight(byName, pre + (gpt2 ? "wte.weight" : "embed_tokens.weight"),
                    cfg.tieWordEmbeddings() ? headPadding : 0);
            positionEmbedding = gpt2 ? weight(byName, pre + "wpe.weight") : null;
            blocks = new Block[L];
            for (int l = 0; l < L; l++) {
                Block b = new Block();
                if (gpt2) {
                    String h = pre + "h." + l + ".";
                    b.norm1Weight = weight(byName, h + "ln_1.weight");
                    b.norm1Bias = weight(byName, h + "ln_1.bias");
                    b.qkv = linear(byName, h + "attn.c_attn", C, 3 * C, true);
                    b.attnOut = linear(byName, h + "attn.c_proj", C, C, true);
                    b.norm2Weight = weight(byName, h + "ln_2.weight");
                    b.norm2Bias = weight(byName, h + "ln_2.bias");
                    b.fc = linear(byName, h + "mlp.c_fc", C, FF, true);
                    b.mlpOut = linear(byName, h + "mlp.c_proj", FF, C, true);
                } else {
                    String h = pre + "layers." + l + ".";
                    b.norm1Weight = weight(byName, h + "input_layernorm.weight");
                    b.q = linear(byName, h + "self_attn.q_proj", C, NH * HS, false);
                    b.k = linear(byName, h + "self_attn.k_proj", C, NKV * HS, false);
                    b.v = linear(byName, h + "self_attn.v_proj", C, NKV * HS, false);
                    b.attnOut = linear(byName, h + "self_attn.o_proj", NH * HS, C, false);
                    if (cfg.qkNorm()) {
                        b.qNormWeight = weight(byName, h + "self_attn.q_norm.weight");
                        b.kNormWeight = weight(byName, h + "self_attn.k_norm.weight");
                    }
                    b.norm2Weight = weight(byName, h + "post_attention_layernorm.weight");
                    b.gate = linear(byName, h + "mlp.gate_proj", C, FF, false);
                    b.up = linear(byName, h + "mlp.up_proj", C, FF, false);
                    b.down = linear(byName, h + "mlp.down_proj", FF, C, false);
                }
                blocks[l] = b;
            }
            finalNormWeight = weight(byName, pre + (gpt2 ? "ln_f.weight" : "norm.weight"));
            finalNormBias = gpt2 ? weight(byName, pre + "ln_f.bias") : null;
            lmHead = cfg.tieWordEmbeddings() ? null : weight(byName, "lm_head.weight", headPadding);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Rows of the output embedding's bfloat16 copy: V rounded up to 64, the rows past V zero. */
    public static int paddedHeadRows(int V) {
        return (V + 63) / 64 * 64;
    }

    private Weight weight(Map<String, Parameter> byName, String name) {
        return weight(byName, name, 0);
    }

    /**
     * One tensor on the device. {@code productPadding} extra zero elements after the bfloat16 copy:
     * the output embedding's copy has {@link #paddedHeadRows} rows, so the loss's products can run
     * over a vocabulary rounded up to 64 (cuBLAS's tensor-core tiles; GPT-2's 50257 is odd).
     */
    private Weight weight(Map<String, Parameter> byName, String name, long productPadding) {
        Parameter host = byName.get(name);
        if (host == null) {
            throw new IllegalArgumentException("the host model has no tensor " + name);
        }
        DeviceBuffer master = own(DeviceBuffer.upload(host.data()));
        DeviceBuffer product = master;
        if (precision.bf16()) {
            long elements = host.size() + productPadding;
            product = own(DeviceBuffer.allocate(2L * elements));
            cuMemsetD32(product.pointer(), 0, (elements + 1) / 2);
            k.launchElementwise("convert_f32_bf16", host.size(), master, product, (long) host.size());
        }
        DeviceBuffer grad = null;
        if (host.trainable()) {
            grad = gradArena.view(gradArenaUsed, 4L * host.size());
            gradArenaUsed += gradSlotBytes(host.size());
        }
        Weight w = new Weight(host, master, product, grad);
        weights.put(name, w);
        return w;
    }

    private Linear linear(Map<String, Parameter> byName, String module, int in, int out, boolean conv1d) {
        Linear lin = new Linear();
        lin.weight = weight(byName, module + ".weight");
        lin.bias = byName.containsKey(module + ".bias") ? weight(byName, module + ".bias") : null;
        lin.in = in;
        lin.out = out;
        lin.conv1d = conv1d;
        return lin;
    }

    private DeviceBuffer own(DeviceBuffer b) {
        owned.add(b);
        return b;
    }

    public ModelConfig config() {
        return cfg;
    }

    public Precision precision() {
        return precision;
    }

    /** Every tensor in the host model's order (the HF state dict's). */
    public List<Weight> weights() {
        return List.copyOf(weights.values());
    }

    /** The output embedding [V, C] (the token embedding when tied). */
    public Weight head() {
        return lmHead != null ? lmHead : tokenEmbedding;
    }

    /** Copies the device's float32 masters into the host model's tensors. */
    public void download() {
        for (Weight w : weights.values()) {
            cuMemcpyDtoH(Pointer.to(w.host.data()), w.master.pointer(), 4L * w.size());
        }
    }

    /** Copies the host model's tensors to the device (after a resume replaced them). */
    public void upload() {
        for (Weight w : weights.values()) {
            cuMemcpyHtoD(w.master.pointer(), Pointer.to(w.host.data()), 4L * w.size());
            if (w.product != w.master) {
                k.launchElementwise("convert_f32_bf16", w.size(), w.master, w.product, w.size());
            }
        }
    }

    public void zeroGrad() {
        if (gradArena != null) {
            gradArena.fill32(0);
        }
    }

    /** A gradient's room in the arena: its float32 bytes rounded up to 256 (cuBLAS's preferred alignment). */
    private static long gradSlotBytes(long elements) {
        return (4 * elements + 255) / 256 * 256;
    }

    // ================================================================== forward

    /**
     * Runs the blocks and the final norm over tokens/positions [B*T] (positions restart at 0 per
     * packed sequence, -1 at padding); {@link #finalNorm} then holds the last hidden states.
     * With {@code keepActivations} false (a teacher) one block's buffers are reused.
     */
    public void forward(int[] tokens, int[] positions, int B, int T, boolean keepActivations) {
        TransformerLm.checkInputs(cfg, tokens, positions, B, T);
        int N = B * T;
        allocateActivations(B, T, keepActivations);
        this.tokens = tokens.clone();
        this.positions = positions.clone();
        int[] seqStart = new int[N];
        TransformerLm.sequenceStarts(positions, seqStart, B, T);
        put(tokensDev, tokens);
        put(positionsDev, positions);
        put(seqStartDev, seqStart);
        if (!gpt2) {
            ensureRopeTables(positions);
        }

        k.launchElementwise("embedding_forward", (long) N * C, tokensDev, positionsDev, tokenEmbedding.master,
                gpt2 ? positionEmbedding.master : null, x0, N, C);
        DeviceBuffer x = x0;
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
            layerNormForward(normF, meanF, rstdF, x, finalNormWeight, finalNormBias, N, C);
        } else {
            rmsNormForward(normF, rstdF, x, finalNormWeight, N, C);
        }
    }

    /**
     * cos/sin by position [P, HS/2] for every position up to the largest seen (TransformerLm's
     * ropeTable over 0..P-1: the values the CPU computes per row, computed once here).
     */
    private void ensureRopeTables(int[] positions) {
        int max = 0;
        for (int pos : positions) {
            max = Math.max(max, pos);
        }
        if (ropeCos != null && max < ropePositions) {
            return;
        }
        int P = Math.max(max + 1, 2 * ropePositions);
        int[] ids = new int[P];
        Arrays.setAll(ids, i -> i);
        float[] cos = new float[P * HS / 2];
        float[] sin = new float[P * HS / 2];
        TransformerLm.ropeTable(TransformerLm.inverseFrequencies(cfg, HS), ids, 0, P, cos, sin);
        if (ropeCos != null) {
            owned.remove(ropeCos);
            owned.remove(ropeSin);
            ropeCos.close();
            ropeSin.close();
        }
        ropeCos = own(DeviceBuffer.upload(cos));
        ropeSin = own(DeviceBuffer.upload(sin));
        ropePositions = P;
    }

    /** The final norm's output, P [B*T, C], of the last forward. */
    public DeviceBuffer finalNorm() {
        return normF;
    }

    private void gpt2BlockForward(Block b, LayerActs a, DeviceBuffer x, int B, int T) {
        int N = B * T;
        layerNormForward(a.norm1, a.mean1, a.rstd1, x, b.norm1Weight, b.norm1Bias, N, C);
        linearForward(b.qkv, a.norm1, a.qkv, N, 0f);
        attentionForward(a, a.qkv, 3 * C, 0, a.qkv, 3 * C, C, a.qkv, 3 * C, 2 * C, B, T);
        copy(x, a.x1, (long) N * C);
        linearForward(b.attnOut, a.attnY, a.x1, N, 1f);
        layerNormForward(a.norm2, a.mean2, a.rstd2, a.x1, b.norm2Weight, b.norm2Bias, N, C);
        linearForward(b.fc, a.norm2, a.h1, N, 0f);
        k.launchElementwise("gelu_forward" + p, (long) N * FF, a.h1, a.act, (long) N * FF);
        copy(a.x1, a.out, (long) N * C);
        linearForward(b.mlpOut, a.act, a.out, N, 1f);
    }

    private void llamaBlockForward(Block b, LayerActs a, DeviceBuffer x, int B, int T) {
        int N = B * T;
        rmsNormForward(a.norm1, a.rstd1, x, b.norm1Weight, N, C);
        linearForward(b.q, a.norm1, cfg.qkNorm() ? a.qRaw : s.q, N, 0f);
        linearForward(b.k, a.norm1, cfg.qkNorm() ? a.kRaw : s.k, N, 0f);
        linearForward(b.v, a.norm1, s.v, N, 0f);
        if (cfg.qkNorm()) {
            // the per-head norm's output stays float32: RoPE rotates it before the split into heads
            k.launch("rmsnorm_forward_f32", Kernels.blocksFor((long) N * NH, 8), Kernels.BLOCK,
                    a.qRaw, b.qNormWeight.master, s.q, a.qRstd, N * NH, HS, eps);
            k.launch("rmsnorm_forward_f32", Kernels.blocksFor((long) N * NKV, 8), Kernels.BLOCK,
                    a.kRaw, b.kNormWeight.master, s.k, a.kRstd, N * NKV, HS, eps);
        }
        k.launchElementwise("rope_forward", (long) N * NH * HS / 2, s.q, ropeCos, ropeSin, positionsDev, N, NH, HS);
        k.launchElementwise("rope_forward", (long) N * NKV * HS / 2, s.k, ropeCos, ropeSin, positionsDev, N, NKV, HS);
        attentionForward(a, s.q, NH * HS, 0, s.k, NKV * HS, 0, s.v, NKV * HS, 0, B, T);
        copy(x, a.x1, (long) N * C);
        linearForward(b.attnOut, a.attnY, a.x1, N, 1f);
        rmsNormForward(a.norm2, a.rstd2, a.x1, b.norm2Weight, N, C);
        linearForward(b.gate, a.norm2, a.h1, N, 0f);
        linearForward(b.up, a.norm2, a.h2, N, 0f);
        k.launchElementwise("swiglu_forward" + p, (long) N * FF, a.h1, a.h2, a.act, (long) N * FF);
        copy(a.x1, a.out, (long) N * C);
        linearForward(b.down, a.act, a.out, N, 1f);
    }

    // ================================================================== backward

    /**
     * dLoss/d(final norm output) [B*T, C] float32 (zero at positions without loss) of the last
     * forward, which kept its activations; ADDS every trainable tensor's gradient.
     */
    public void backward(DeviceBuffer dNormF) {
        if (!kept) {
            throw new IllegalStateException("backward needs a forward with keepActivations = true");
        }
        int B = actB, T = actT, N = B * T;
        cuMemsetD32(s.dx.pointer(), 0, (long) N * C);
        DeviceBuffer xLast = acts[L - 1].out;
        if (gpt2) {
            layerNormBackward(s.dx, finalNormWeight, finalNormBias, dNormF, xLast, meanF, rstdF, N, C);
        } else {
            rmsNormBackward(s.dx, finalNormWeight, dNormF, xLast, rstdF, N, C);
        }
        for (int l = L - 1; l >= 0; l--) {
            DeviceBuffer x = l == 0 ? x0 : acts[l - 1].out;
            if (gpt2) {
                gpt2BlockBackward(blocks[l], acts[l], x, B, T);
            } else {
                llamaBlockBackward(blocks[l], acts[l], x, B, T);
            }
        }
        embeddingBackward(N);
    }

    /** {@code s.dx} holds dLoss/d(block output) on entry and dLoss/d(block input) on exit. */
    private void gpt2BlockBackward(Block b, LayerActs a, DeviceBuffer x, int B, int T) {
        int N = B * T;
        linearBackward(b.mlpOut, a.act, productOf(s.dx, (long) N * C), s.dAct, N, 0f);
        k.launchElementwise("gelu_backward" + p, (long) N * FF, s.dAct, a.h1, s.dH1, (long) N * FF);
        linearBackward(b.fc, a.norm2, s.dH1, s.dNorm, N, 0f);
        layerNormBackward(s.dx, b.norm2Weight, b.norm2Bias, s.dNorm, a.x1, a.mean2, a.rstd2, N, C);
        linearBackward(b.attnOut, a.attnY, productOf(s.dx, (long) N * C), s.dY, N, 0f);
        attentionBackward(a, s.dQkv, 3 * C, 0, s.dQkv, 3 * C, C, s.dQkv, 3 * C, 2 * C, B, T);
        linearBackward(b.qkv, a.norm1, productOf(s.dQkv, (long) N * 3 * C), s.dNorm, N, 0f);
        layerNormBackward(s.dx, b.norm1Weight, b.norm1Bias, s.dNorm, x, a.mean1, a.rstd1, N, C);
    }

    private void llamaBlockBackward(Block b, LayerActs a, DeviceBuffer x, int B, int T) {
        int N = B * T;
        long qn = (long) N * NH * HS, kvn = (long) N * NKV * HS;
        linearBackward(b.down, a.act, productOf(s.dx, (long) N * C), s.dAct, N, 0f);
        k.launchElementwise("swiglu_backward" + p, (long) N * FF, s.dAct, a.h1, a.h2, s.dH1, s.dH2, (long) N * FF);
        linearBackward(b.gate, a.norm2, s.dH1, s.dNorm, N, 0f);
        linearBackward(b.up, a.norm2, s.dH2, s.dNorm, N, 1f);
        rmsNormBackward(s.dx, b.norm2Weight, s.dNorm, a.x1, a.rstd2, N, C);
        linearBackward(b.attnOut, a.attnY, productOf(s.dx, (long) N * C), s.dY, N, 0f);
        attentionBackward(a, s.dq, NH * HS, 0, s.dk, NKV * HS, 0, s.dv, NKV * HS, 0, B, T);
        k.launchElementwise("rope_backward", qn / 2, s.dq, ropeCos, ropeSin, positionsDev, N, NH, HS);
        k.launchElementwise("rope_backward", kvn / 2, s.dk, ropeCos, ropeSin, positionsDev, N, NKV, HS);
        DeviceBuffer dq = s.dq, dk = s.dk;
        if (cfg.qkNorm()) {
            cuMemsetD32(s.dqRaw.pointer(), 0, qn);
            cuMemsetD32(s.dkRaw.pointer(), 0, kvn);
            rmsNormBackward(s.dqRaw, b.qNormWeight, s.dq, a.qRaw, a.qRstd, N * NH, HS);
            rmsNormBackward(s.dkRaw, b.kNormWeight, s.dk, a.kRaw, a.kRstd, N * NKV, HS);
            dq = s.dqRaw;
            dk = s.dkRaw;
        }
        linearBackward(b.q, a.norm1, productOf(dq, qn), s.dNorm, N, 0f);
        linearBackward(b.k, a.norm1, productOf(dk, kvn), s.dNorm, N, 1f);
        linearBackward(b.v, a.norm1, productOf(s.dv, kvn), s.dNorm, N, 1f);
        rmsNormBackward(s.dx, b.norm1Weight, s.dNorm, x, a.rstd1, N, C);
    }

    // ================================================================== layers

    // ---------------------------------------------------------------- linear maps
    /** y = beta * y + x·Wᵀ (+ b): x P [N, in], y f32 [N, out]. */
    private void linearForward(Linear lin, DeviceBuffer x, DeviceBuffer y, int N, float beta) {
        blas.gemm(false, !lin.conv1d, N, lin.out, lin.in, 1f, x.pointer(), P, lin.in,
                lin.weight.product.pointer(), P, lin.conv1d ? lin.out : lin.in, beta, y.pointer(), Cublas.DType.F32,
                lin.out, compute);
        if (lin.bias != null) {
            k.launchElementwise("add_bias", (long) N * lin.out, y, lin.bias.master, N, lin.out);
        }
    }

    /** dx = dxBeta * dx + dy·W; adds dW and db. x, dy P; dx f32. */
    private void linearBackward(Linear lin, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dx, int N, float dxBeta) {
        if (lin.weight.grad != null) {
            if (lin.conv1d) {
                blas.gemm(true, false, lin.in, lin.out, N, 1f, x.pointer(), P, lin.in, dy.pointer(), P, lin.out,
                        1f, lin.weight.grad.pointer(), Cublas.DType.F32, lin.out, compute);
            } else {
                blas.gemm(true, false, lin.out, lin.in, N, 1f, dy.pointer(), P, lin.out, x.pointer(), P, lin.in,
                        1f, lin.weight.grad.pointer(), Cublas.DType.F32, lin.in, compute);
            }
        }
        if (lin.bias != null && lin.bias.grad != null) {
            int blocks = Kernels.blocksFor(N, ROWS_PER_BLOCK);
            k.launch("bias_grad_partial" + p, blocks, Kernels.BLOCK, dy, s.partial, N, lin.out);
            columnReduce(s.partial.pointer(), blocks, lin.out, lin.out, lin.bias.grad.pointer());
        }
        blas.gemm(false, lin.conv1d, N, lin.in, lin.out, 1f, dy.pointer(), P, lin.out, lin.weight.product.pointer(), P,
                lin.conv1d ? lin.out : lin.in, dxBeta, dx.pointer(), Cublas.DType.F32, lin.in, compute);
    }

    private static final int ROWS_PER_BLOCK = 64; // transformer.cu's ROWS_PER_BLOCK

    /** dst[j] += the sum over blocks b (in order) of partial[b * stride + j], j < width. */
    private void columnReduce(CUdeviceptr partial, int blocks, int width, int stride, CUdeviceptr dst) {
        k.launch("column_reduce", Kernels.blocksFor(width, Kernels.BLOCK), Kernels.BLOCK, partial, blocks, width, stride,
                dst);
    }

    // ---------------------------------------------------------------- embedding
    /** Adds dx's rows into the embedding rows they came from: buckets of equal ids, built here. */
    private void embeddingBackward(int N) {
        if (tokenEmbedding.grad != null) {
            scatterAddByIds(tokens, tokenEmbedding.grad, N);
        }
        if (gpt2 && positionEmbedding.grad != null) {
            scatterAddByIds(positions, positionEmbedding.grad, N);
        }
    }

    /**
     * Buckets the non-padding rows by id (sorting id << 32 | row keeps each bucket's rows in
     * increasing order, so every sum runs in row order) and launches one block per distinct id.
     */
    private void scatterAddByIds(int[] ids, DeviceBuffer dw, int N) {
        long[] keyed = new long[N];
        int n = 0;
        for (int r = 0; r < N; r++) {
            if (positions[r] >= 0) {
                keyed[n++] = ((long) ids[r] << 32) | r;
            }
        }
        if (n == 0) {
            return;
        }
        Arrays.sort(keyed, 0, n);
        int[] idArr = new int[n];
        int[] starts = new int[n + 1];
        int[] rows = new int[n];
        int buckets = 0;
        for (int i = 0; i < n; i++) {
            int id = (int) (keyed[i] >>> 32);
            rows[i] = (int) keyed[i];
            if (buckets == 0 || idArr[buckets - 1] != id) {
                idArr[buckets] = id;
                starts[buckets++] = i;
            }
        }
        starts[buckets] = n;
        cuMemcpyHtoD(bucketIds.pointer(), Pointer.to(idArr), 4L * buckets);
        cuMemcpyHtoD(bucketStarts.pointer(), Pointer.to(starts), 4L * (buckets + 1));
        cuMemcpyHtoD(bucketRows.pointer(), Pointer.to(rows), 4L * n);
        k.launch("embedding_backward", buckets, Kernels.BLOCK, bucketIds, bucketStarts, bucketRows, s.dx, dw, C);
    }

    // ---------------------------------------------------------------- LayerNorm, RMSNorm
    private void layerNormForward(DeviceBuffer out, DeviceBuffer mean, DeviceBuffer rstd, DeviceBuffer x, Weight w,
                                  Weight b, int rows, int D) {
        k.launch("layernorm_forward" + p, Kernels.blocksFor(rows, 8), Kernels.BLOCK, x, w.master, b.master, out, mean,
                rstd, rows, D, eps);
    }

    private void layerNormBackward(DeviceBuffer dx, Weight w, Weight b, DeviceBuffer dOut, DeviceBuffer x,
                                   DeviceBuffer mean, DeviceBuffer rstd, int rows, int D) {
        int blocks = Kernels.blocksFor(rows, ROWS_PER_BLOCK);
        boolean dw = w.grad != null;
        k.launch("layernorm_backward", blocks, Kernels.BLOCK, dOut, x, mean, rstd, w.master, dx,
                dw ? s.partial : null, rows, D);
        if (dw) {
            // layernorm_backward's partials are [blocks, 2D]: dw's sums, then db's
            columnReduce(s.partial.pointer(), blocks, D, 2 * D, w.grad.pointer());
            columnReduce(s.partial.pointer().withByteOffset(4L * D), blocks, D, 2 * D, b.grad.pointer());
        }
    }

    private void rmsNormForward(DeviceBuffer out, DeviceBuffer rstd, DeviceBuffer x, Weight w, int rows, int D) {
        k.launch("rmsnorm_forward" + p, Kernels.blocksFor(rows, 8), Kernels.BLOCK, x, w.master, out, rstd, rows, D, eps);
    }

    private void rmsNormBackward(DeviceBuffer dx, Weight w, DeviceBuffer dOut, DeviceBuffer x, DeviceBuffer rstd,
                                 int rows, int D) {
        int blocks = Kernels.blocksFor(rows, ROWS_PER_BLOCK);
        boolean dw = w.grad != null;
        k.launch("rmsnorm_backward", blocks, Kernels.BLOCK, dOut, x, rstd, w.master, dx, dw ? s.partial : null, rows, D);
        if (dw) {
            columnReduce(s.partial.pointer(), blocks, D, D, w.grad.pointer());
        }
    }

    // ---------------------------------------------------------------- attention
    /**
     * q, k, v (f32, read at row stride and column offset) into heads, S = q·kᵀ per head, the
     * masked softmax into a.att, y = P·v, merged back into a.attnY [N, NH*HS].
     */
    private void attentionForward(LayerActs a, DeviceBuffer q, int qStride, int qOff, DeviceBuffer kk, int kStride,
                                  int kOff, DeviceBuffer v, int vStride, int vOff, int B, int T) {
        int group = NH / NKV;
        long heads = (long) B * NH * T * HS;
        k.launchElementwise("heads_split" + p, heads, q, qStride, qOff, a.qh, B, T, NH, HS, 1);
        k.launchElementwise("heads_split" + p, heads, kk, kStride, kOff, a.kh, B, T, NH, HS, group);
        k.launchElementwise("heads_split" + p, heads, v, vStride, vOff, a.vh, B, T, NH, HS, group);
        if (attention == Attention.FLASH) {
            FlashAttention.forward(flash, precision, a.qh, a.kh, a.vh, seqStartDev, a.yh, a.lse, B, NH, T, HS);
            k.launchElementwise("heads_merge" + p, heads, a.yh, a.attnY, B, T, NH, HS);
            return;
        }
        long tt = (long) T * T, th = (long) T * HS;
        int batch = B * NH;
        batched(false, true, T, T, HS, a.qh, HS, th, a.kh, HS, th, s.scores, T, tt, batch);
        float scale = (float) (1.0 / Math.sqrt(HS));
        k.launch("attention_softmax_forward" + p, Kernels.blocksFor((long) batch * T, 8), Kernels.BLOCK, s.scores, a.att,
                seqStartDev, B, NH, T, scale);
        batched(false, false, T, HS, T, a.att, T, tt, a.vh, HS, th, s.yh, HS, th, batch);
        k.launchElementwise("heads_merge" + p, heads, s.yh, a.attnY, B, T, NH, HS);
    }

    /**
     * From dY (f32 [N, NH*HS], in s.dY): dq, dk, dv written (not added) at their row strides and
     * column offsets (GPT-2: three column blocks of one [N, 3C] tensor), k and v summed over the
     * query heads of each group.
     */
    private void attentionBackward(LayerActs a, DeviceBuffer dq, int qStride, int qOff, DeviceBuffer dk, int kStride,
                                   int kOff, DeviceBuffer dv, int vStride, int vOff, int B, int T) {
        int group = NH / NKV;
        long heads = (long) B * NH * T * HS;
        k.launchElementwise("heads_split" + p, heads, s.dY, NH * HS, 0, s.dyh, B, T, NH, HS, 1);
        if (attention == Attention.FLASH) {
            FlashAttention.backward(flash, precision, a.qh, a.kh, a.vh, a.yh, s.dyh, a.lse, seqStartDev, s.yh, s.dkh,
                    s.dvh, s.delta, B, NH, T, HS);
        } else {
            materializedAttentionBackward(a, B, T);
        }
        k.launchElementwise("heads_merge_grad", (long) B * T * NH * HS, s.yh, dq, qStride, qOff, B, T, NH, HS, 1);
        k.launchElementwise("heads_merge_grad", (long) B * T * NKV * HS, s.dkh, dk, kStride, kOff, B, T, NH, HS, group);
        k.launchElementwise("heads_merge_grad", (long) B * T * NKV * HS, s.dvh, dv, vStride, vOff, B, T, NH, HS, group);
    }

    /** dq (into s.yh), dk, dv per head from dy per head, through the kept probabilities. */
    private void materializedAttentionBackward(LayerActs a, int B, int T) {
        long tt = (long) T * T, th = (long) T * HS;
        int batch = B * NH;
        // dP = dy·vᵀ (into the scores buffer), dv = Pᵀ·dy
        batched(false, true, T, T, HS, s.dyh, HS, th, a.vh, HS, th, s.scores, T, tt, batch);
        batched(true, false, T, HS, T, a.att, T, tt, s.dyh, HS, th, s.dvh, HS, th, batch);
        float scale = (float) (1.0 / Math.sqrt(HS));
        k.launch("attention_softmax_backward" + p, Kernels.blocksFor((long) batch * T, 8), Kernels.BLOCK, a.att,
                s.scores, s.dScores, seqStartDev, B, NH, T, scale);
        // dq = dS·k, dk = dSᵀ·q
        batched(false, false, T, HS, T, s.dScores, T, tt, a.kh, HS, th, s.yh, HS, th, batch);
        batched(true, false, T, HS, T, s.dScores, T, tt, a.qh, HS, th, s.dkh, HS, th, batch);
    }

    // ---------------------------------------------------------------- helpers
    /**
     * C_i = op(A_i)·op(B_i) for the batch's heads, A and B in the product type at element strides
     * sA, sB, C float32 at sC (row-major, as {@link Cublas#gemm}).
     */
    private void batched(boolean transA, boolean transB, int M, int N, int K, DeviceBuffer A, int lda, long sA,
                         DeviceBuffer B, int ldb, long sB, DeviceBuffer C, int ldc, long sC, int batch) {
        blas.gemmStridedBatched(transA, transB, M, N, K, 1f, A.pointer(), P, lda, B.pointer(), P, ldb, 0f, C.pointer(),
                Cublas.DType.F32, ldc, compute, sA, sB, sC, batch);
    }

    /**
     * The product-type form of a float32 gradient about to feed a product: itself under
     * FP32/TF32; under BF16 converted into s.gradP (one at a time: launches run in order).
     */
    private DeviceBuffer productOf(DeviceBuffer f32, long n) {
        if (!precision.bf16()) {
            return f32;
        }
        k.launchElementwise("convert_f32_bf16", n, f32, s.gradP, n);
        return s.gradP;
    }

    private void copy(DeviceBuffer from, DeviceBuffer to, long floats) {
        cuMemcpyDtoD(to.pointer(), from.pointer(), 4L * floats);
    }

    private static void put(DeviceBuffer b, int[] values) {
        cuMemcpyHtoD(b.pointer(), Pointer.to(values), 4L * values.length);
    }

    private static void put(DeviceBuffer b, float[] values) {
        cuMemcpyHtoD(b.pointer(), Pointer.to(values), 4L * values.length);
    }

    // ================================================================== buffers

    private void allocateActivations(int B, int T, boolean keep) {
        if (B == actB && T == actT && (trainingBuffers || !keep)) {
            kept = keep; // a forward-only pass may reuse a training shape's buffers (layer 0's, over and over)
            return;
        }
        freeActivations();
        int N = B * T;
        long pb = precision.operandBytes();
        int layers = keep ? L : 1;
        tokensDev = act(4L * N);
        positionsDev = act(4L * N);
        seqStartDev = act(4L * N);
        if (keep) {
            bucketIds = act(4L * N);
            bucketStarts = act(4L * (N + 1));
            bucketRows = act(4L * N);
        }
        x0 = act(4L * N * C);
        long headsElems = (long) B * NH * T * HS;
        long attElems = (long) B * NH * T * T;
        acts = new LayerActs[layers];
        for (int l = 0; l < layers; l++) {
            LayerActs a = new LayerActs();
            a.norm1 = act(pb * N * C);
            a.rstd1 = act(4L * N);
            a.mean1 = gpt2 ? act(4L * N) : null;
            if (gpt2) {
                a.qkv = act(4L * N * 3 * C);
            } else if (cfg.qkNorm()) {
                a.qRaw = act(4L * N * NH * HS);
                a.kRaw = act(4L * N * NKV * HS);
                a.qRstd = act(4L * N * NH);
                a.kRstd = act(4L * N * NKV);
            }
            a.qh = act(pb * headsElems);
            a.kh = act(pb * headsElems);
            a.vh = act(pb * headsElems);
            if (attention == Attention.FLASH) {
                a.yh = act(4L * headsElems);
                a.lse = act(4L * B * NH * T);
            } else {
                a.att = act(pb * attElems);
            }
            a.attnY = act(pb * N * NH * HS);
            a.x1 = act(4L * N * C);
            a.norm2 = act(pb * N * C);
            a.rstd2 = act(4L * N);
            a.mean2 = gpt2 ? act(4L * N) : null;
            a.h1 = act(4L * N * FF);
            a.h2 = gpt2 ? null : act(4L * N * FF);
            a.act = act(pb * N * FF);
            a.out = act(4L * N * C);
            acts[l] = a;
        }
        normF = act(pb * N * C);
        meanF = act(4L * N);
        rstdF = act(4L * N);
        s = new Scratch();
        if (!gpt2) {
            s.q = act(4L * N * NH * HS);
            s.k = act(4L * N * NKV * HS);
            s.v = act(4L * N * NKV * HS);
        }
        s.yh = act(4L * headsElems);
        if (attention == Attention.MATERIALIZED) {
            s.scores = act(4L * attElems);
        }
        if (keep) {
            if (attention == Attention.MATERIALIZED) {
                s.dScores = precision.bf16() ? act(2L * attElems) : s.scores;
            } else {
                s.delta = act(4L * B * NH * T);
            }
            s.dkh = act(4L * headsElems);
            s.dvh = act(4L * headsElems);
            s.dyh = act(pb * headsElems);
            s.dx = act(4L * N * C);
            s.dNorm = act(4L * N * C);
            s.dY = act(4L * N * NH * HS);
            if (gpt2) {
                s.dQkv = act(4L * N * 3 * C);
            } else {
                s.dq = act(4L * N * NH * HS);
                s.dk = act(4L * N * NKV * HS);
                s.dv = act(4L * N * NKV * HS);
            }
            long widest = Math.max(gpt2 ? 3L * C : (long) NH * HS, C);
            s.gradP = precision.bf16() ? act(2L * N * widest) : null;
            if (cfg.qkNorm()) {
                s.dqRaw = act(4L * N * NH * HS);
                s.dkRaw = act(4L * N * NKV * HS);
            }
            s.dAct = act(4L * N * FF);
            s.dH1 = act(pb * N * FF);
            s.dH2 = gpt2 ? null : act(pb * N * FF);
            // column-reduce partials: [blocks of 64 rows, width] for the norms (2C: dw and db;
            // q/k norm rows N*NH of HS) and the biases (up to max(3C, FF, NH*HS))
            long rowsMax = (long) N * Math.max(1, Math.max(NH, NKV));
            long width = Math.max(Math.max(2L * C, FF), Math.max(3L * C, (long) NH * HS));
            long elems = Math.max(Kernels.blocksFor(N, ROWS_PER_BLOCK) * width,
                    Kernels.blocksFor(rowsMax, ROWS_PER_BLOCK) * (long) HS);
            s.partial = act(4L * elems);
        }
        actB = B;
        actT = T;
        kept = keep;
        trainingBuffers = keep;
    }

    private DeviceBuffer act(long bytes) {
        DeviceBuffer b = DeviceBuffer.allocate(bytes);
        activationBuffers.add(b);
        return b;
    }

    private void freeActivations() {
        for (DeviceBuffer b : activationBuffers) {
            b.close();
        }
        activationBuffers.clear();
        acts = null;
        s = null;
        actB = actT = -1;
        kept = false;
        trainingBuffers = false;
    }

    @Override
    public void close() {
        freeActivations();
        for (DeviceBuffer b : owned) {
            b.close();
        }
        owned.clear();
    }
}
