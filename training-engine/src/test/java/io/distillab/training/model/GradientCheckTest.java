package io.distillab.training.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every layer's gradient against central finite differences of an independent double-precision
 * forward ({@link DoubleReference}) on tiny shapes. The loss is sum(R ⊙ logits) for a fixed random
 * R, so dLoss/dLogits = R. Each parameter tensor's gradient covers the layers above it: the
 * embeddings (and GPT-2's position embedding), LayerNorm / RMSNorm weights and biases, every
 * linear map with and without bias (GPT-2's Conv1D layout and torch's Linear layout), attention
 * with GQA and a document mask (q/k/v projections), RoPE (plain, linear and llama3 scaling),
 * Qwen3's q/k norms, GELU-tanh and SwiGLU (MLP weights), the tied and untied lm head.
 *
 * <p>Tolerance: |g_float - g_fd| <= 1e-4 * max|g_fd| of the tensor + 1e-6, element by element;
 * float32 backward against float64 differences with step 1e-5 (truncation ~1e-10).
 */
class GradientCheckTest {
    static final Map<String, String> CONFIGS = Map.of(
            "gpt2", """
                    {"model_type":"gpt2","vocab_size":11,"n_embd":8,"n_layer":2,"n_head":2,"n_positions":8}""",
            "llama_gqa_linear_rope", """
                    {"model_type":"llama","vocab_size":11,"hidden_size":8,"intermediate_size":12,"num_hidden_layers":2,
                     "num_attention_heads":4,"num_key_value_heads":2,"rope_theta":100.0,
                     "rope_scaling":{"type":"linear","factor":2.0},"tie_word_embeddings":false}""",
            "llama3_rope_biases", """
                    {"model_type":"llama","vocab_size":11,"hidden_size":8,"intermediate_size":12,"num_hidden_layers":1,
                     "num_attention_heads":2,"num_key_value_heads":1,"head_dim":8,"rope_theta":500000.0,
                     "rope_scaling":{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,
                     "original_max_position_embeddings":256},"attention_bias":true,"mlp_bias":true,"tie_word_embeddings":true}""",
            "qwen2", """
                    {"model_type":"qwen2","vocab_size":11,"hidden_size":8,"intermediate_size":12,"num_hidden_layers":2,
                     "num_attention_heads":2,"num_key_value_heads":1,"rope_theta":10000.0,"tie_word_embeddings":false}""",
            "qwen3", """
                    {"model_type":"qwen3","vocab_size":11,"hidden_size":8,"intermediate_size":12,"num_hidden_layers":2,
                     "num_attention_heads":4,"num_key_value_heads":2,"head_dim":4,"rope_theta":10000.0,"tie_word_embeddings":true}""");

    static final int B = 2, T = 6;
    static final int[] POSITIONS = {0, 1, 2, 0, 1, 2, 0, 1, 2, 3, -1, -1};

    /** Weights larger than SPEC 8's init, so attention and the norms are far from trivial. */
    static CausalLm randomModel(ModelConfig cfg, long seed) {
        CausalLm m = HfCheckpoints.create(cfg, seed, 2);
        Random rnd = new Random(seed);
        for (Parameter p : m.parameters()) {
            float[] d = p.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = p.shape().length > 1 ? (float) (0.4 * rnd.nextGaussian())
                        : p.name().endsWith(".bias") ? (float) (0.2 * rnd.nextGaussian()) : (float) (1 + 0.2 * rnd.nextGaussian());
            }
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama_gqa_linear_rope", "llama3_rope_biases", "qwen2", "qwen3"})
    void gradientsMatchFiniteDifferences(String name) {
        ModelConfig cfg = ModelConfig.parse(CONFIGS.get(name), name);
        CausalLm model = randomModel(cfg, 7);
        int V = cfg.vocabSize();
        Random rnd = new Random(11);
        int[] tokens = new int[B * T];
        for (int n = 0; n < tokens.length; n++) {
            tokens[n] = POSITIONS[n] < 0 ? -1 : rnd.nextInt(V);
        }
        float[] r = new float[B * T * V];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) rnd.nextGaussian();
        }
        model.forward(tokens, POSITIONS, B, T, true);
        model.zeroGrad();
        model.backward(r);

        Map<String, double[]> params = new HashMap<>();
        for (Parameter p : model.parameters()) {
            double[] d = new double[p.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = p.data()[i];
            }
            params.put(p.name(), d);
        }
        DoubleReference ref = new DoubleReference(cfg, params);
        double h = 1e-5;
        for (Parameter p : model.parameters()) {
            double[] d = params.get(p.name());
            double[] fd = new double[d.length];
            double max = 0;
            for (int i = 0; i < d.length; i++) {
                double keep = d[i];
                d[i] = keep + h;
                double up = loss(ref.logits(tokens, POSITIONS, B, T), r, V);
                d[i] = keep - h;
                double down = loss(ref.logits(tokens, POSITIONS, B, T), r, V);
                d[i] = keep;
                fd[i] = (up - down) / (2 * h);
                max = Math.max(max, Math.abs(fd[i]));
            }
            assertTrue(max > 1e-6 || p.name().contains("wpe"), name + " " + p.name() + ": finite differences are all zero");
            for (int i = 0; i < d.length; i++) {
                double got = p.grad()[i];
                if (Math.abs(got - fd[i]) > 1e-4 * max + 1e-6) {
                    throw new AssertionError(name + " " + p.name() + "[" + i + "]: backward " + got + ", finite difference "
                            + fd[i] + " (max " + max + ")");
                }
            }
        }
    }

    static double loss(double[][] logits, float[] r, int V) {
        double s = 0;
        for (int n = 0; n < logits.length; n++) {
            for (int j = 0; j < V; j++) {
                s += logits[n][j] * r[n * V + j];
            }
        }
        return s;
    }
}
