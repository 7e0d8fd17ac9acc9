package io.distillab.training.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The estimates a trainer uses to refuse a config before allocating anything: the static counts
 * equal what a model of the config really allocates, and the byte estimates cover weights,
 * gradients and at least the logits.
 */
class MemoryEstimateTest {
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama_linear", "llama3_tied", "qwen2", "qwen3"})
    void countsMatchTheAllocatedTensors(String name) throws Exception {
        CausalLm m = HfCheckpoints.load(ModelFixturesTest.fixture(name), 1);
        ModelConfig cfg = m.config();
        long allocated = m.parameters().stream().mapToLong(Parameter::size).sum();
        assertEquals(allocated, TransformerLm.parameterCount(cfg), name);

        LoraConfig lora = new LoraConfig(3, 6, List.of(), null);
        long full = TransformerLm.estimateTrainingBytes(cfg, null, 2, 8);
        long withLora = TransformerLm.estimateTrainingBytes(cfg, lora, 2, 8);
        long logits = 4L * 2 * 8 * cfg.vocabSize();
        assertTrue(full >= 4 * 2 * allocated + logits, name + ": weights, gradients and logits at least");
        assertEquals(m.estimateTrainingBytes(2, 8), full);
        assertTrue(TransformerLm.estimateInferenceBytes(cfg, 2, 8) < full, "a teacher keeps no gradients");

        m.enableLora(lora, 1);
        long adapters = m.trainableParameters().stream().mapToLong(Parameter::size).sum();
        assertEquals(adapters, TransformerLm.loraParameterCount(cfg, lora), name);
        assertTrue(withLora < full, "LoRA drops the base gradients");
        assertEquals(m.estimateTrainingBytes(2, 8), withLora);
    }
}
