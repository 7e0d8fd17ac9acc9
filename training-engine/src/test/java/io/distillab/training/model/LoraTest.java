package io.distillab.training.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.training.safetensors.SafeTensorsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** LoRA (SPEC 8): adapters under PEFT's names, gradients through them, frozen base, saving. */
class LoraTest {
    @TempDir
    Path tmp;

    static final int[] TOKENS = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, -1};
    static final int[] POSITIONS = {0, 1, 2, 3, 0, 1, 0, 1, 2, 3, 4, -1};

    /**
     * Gradients of A and B against central differences of the float model's own forward in
     * double-accumulated loss (B is made nonzero so A gets a gradient): tolerance 2e-2 relative to
     * the tensor's largest entry, float32 forward differences with step 1e-2 (the adapters'
     * formula W + (alpha/r)·B·A is also checked exactly through the merged checkpoint below).
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "qwen3"})
    void adapterGradientsMatchFiniteDifferencesAndBaseStaysFrozen(String name) throws Exception {
        CausalLm m = HfCheckpoints.load(ModelFixturesTest.fixture(name), 1);
        m.enableLora(new LoraConfig(2, 4, List.of(), "base"), 3);
        List<Parameter> trainable = m.trainableParameters();
        int targets = name.equals("gpt2") ? 4 : 7;
        assertEquals(2 * targets * m.config().numLayers(), trainable.size());
        assertTrue(trainable.get(0).name().startsWith("base_model.model."), trainable.get(0).name());
        assertTrue(trainable.get(0).name().endsWith(".lora_A.weight"), trainable.get(0).name());
        for (Parameter p : m.parameters()) {
            assertNull(p.grad(), p.name() + " is frozen");
        }
        Random rnd = new Random(1);
        for (Parameter p : trainable) {
            if (p.name().endsWith("lora_B.weight")) {
                for (int i = 0; i < p.size(); i++) {
                    assertEquals(0f, p.data()[i], "B starts at zero");
                    p.data()[i] = (float) (0.3 * rnd.nextGaussian());
                }
            }
        }
        int V = m.config().vocabSize();
        float[] r = new float[TOKENS.length * V];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) rnd.nextGaussian();
        }
        m.forward(TOKENS, POSITIONS, 2, 6, true);
        m.zeroGrad();
        m.backward(r);
        float h = 1e-2f;
        for (Parameter p : List.of(trainable.get(0), trainable.get(1), trainable.get(trainable.size() - 2), trainable.get(trainable.size() - 1))) {
            double max = 0;
            double[] fd = new double[p.size()];
            for (int i = 0; i < p.size(); i++) {
                float keep = p.data()[i];
                p.data()[i] = keep + h;
                double up = dot(m.forward(TOKENS, POSITIONS, 2, 6, false), r);
                p.data()[i] = keep - h;
                double down = dot(m.forward(TOKENS, POSITIONS, 2, 6, false), r);
                p.data()[i] = keep;
                fd[i] = (up - down) / (2 * h);
                max = Math.max(max, Math.abs(fd[i]));
            }
            for (int i = 0; i < p.size(); i++) {
                assertEquals(fd[i], p.grad()[i], 2e-2 * max, p.name() + "[" + i + "]");
            }
        }
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    @Test
    void adapterAndMergedCheckpointLoadBack() throws Exception {
        CausalLm m = HfCheckpoints.load(ModelFixturesTest.fixture("llama_linear"), 1);
        List<float[]> before = new ArrayList<>();
        m.parameters().forEach(p -> before.add(p.data().clone()));
        m.enableLora(new LoraConfig(4, 8, List.of("q_proj", "v_proj", "down_proj"), "students/base"), 9);
        Random rnd = new Random(2);
        for (Parameter p : m.trainableParameters()) {
            for (int i = 0; i < p.size(); i++) {
                p.data()[i] += (float) (0.1 * rnd.nextGaussian()); // as if trained
            }
        }
        float[] withAdapters = m.forward(HfCheckpointsTest.TOKENS, HfCheckpointsTest.POSITIONS, 1, 8, false).clone();
        HfCheckpoints.saveLoraAdapter(m, tmp.resolve("adapter"));
        HfCheckpoints.saveMerged(m, tmp.resolve("merged"));
        for (int i = 0; i < before.size(); i++) {
            assertArrayEquals(before.get(i), m.parameters().get(i).data(), "base weights untouched by saving the merge");
        }

        JsonNode cfg = new ObjectMapper().readTree(Files.readString(tmp.resolve("adapter/adapter_config.json")));
        assertEquals("LORA", cfg.get("peft_type").asText());
        assertEquals("CAUSAL_LM", cfg.get("task_type").asText());
        assertEquals(4, cfg.get("r").asInt());
        assertEquals(8.0, cfg.get("lora_alpha").asDouble());
        assertEquals("students/base", cfg.get("base_model_name_or_path").asText());
        assertEquals(3, cfg.get("target_modules").size());
        try (SafeTensorsReader r = SafeTensorsReader.open(tmp.resolve("adapter/adapter_model.safetensors"))) {
            assertEquals(2 * 3 * 2, r.names().size());
            assertArrayEquals(new int[] {4, 16}, r.info("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape());
            assertArrayEquals(new int[] {16, 4}, r.info("base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight").shape());
            assertArrayEquals(new int[] {16, 4}, r.info("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").shape());
        }
        // The merged checkpoint, loaded as a plain model, computes what the adapters computed.
        CausalLm merged = HfCheckpoints.load(tmp.resolve("merged"), 1);
        assertNull(merged.lora());
        float[] mergedLogits = merged.forward(HfCheckpointsTest.TOKENS, HfCheckpointsTest.POSITIONS, 1, 8, false);
        for (int i = 0; i < mergedLogits.length; i++) {
            assertEquals(withAdapters[i], mergedLogits[i], 1e-5 + 1e-5 * Math.abs(withAdapters[i]), "logit " + i);
        }
    }

    @Test
    void unknownTargetModuleIsRefused() throws Exception {
        CausalLm m = HfCheckpoints.load(ModelFixturesTest.fixture("gpt2"), 1);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> m.enableLora(new LoraConfig(2, 4, List.of("q_proj"), null), 1));
        assertTrue(e.getMessage().contains("q_proj"), e.getMessage());
    }
}
