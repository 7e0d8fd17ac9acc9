package io.distillab.training.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.training.safetensors.SafeTensorsReader;
import io.distillab.training.safetensors.SafeTensorsWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint folders: load/save round trips, shards, GPT-2 names, random init, bad inputs. */
class HfCheckpointsTest {
    @TempDir
    Path tmp;

    static final int[] TOKENS = {3, 1, 4, 1, 5, 9, 2, 6};
    static final int[] POSITIONS = {0, 1, 2, 3, 0, 1, 2, -1};

    @Test
    void saveThenLoadGivesTheSameTensorsAndLogits() throws Exception {
        CausalLm original = HfCheckpoints.load(ModelFixturesTest.fixture("qwen3"), 1);
        float[] logits = original.forward(TOKENS, POSITIONS, 1, 8, false).clone();
        HfCheckpoints.save(original, tmp.resolve("out"));
        assertTrue(Files.exists(tmp.resolve("out/config.json")));
        CausalLm again = HfCheckpoints.load(tmp.resolve("out"), 1);
        for (int i = 0; i < original.parameters().size(); i++) {
            assertArrayEquals(original.parameters().get(i).data(), again.parameters().get(i).data(),
                    original.parameters().get(i).name());
        }
        assertArrayEquals(logits, again.forward(TOKENS, POSITIONS, 1, 8, false));
        JsonNode cfg = new ObjectMapper().readTree(Files.readString(tmp.resolve("out/config.json")));
        assertEquals("qwen3", cfg.get("model_type").asText());
        assertEquals("float32", cfg.get("torch_dtype").asText());
        assertEquals(8, cfg.get("head_dim").asInt());
        try (SafeTensorsReader r = SafeTensorsReader.open(tmp.resolve("out/model.safetensors"))) {
            assertFalse(r.contains("lm_head.weight"), "tied lm_head is not saved, as HF does");
            assertEquals("pt", r.metadata().get("format"));
        }
    }

    @Test
    void gpt2LoadsWithAndWithoutTheTransformerPrefixAndSavesWithIt() throws Exception {
        Path hub = ModelFixturesTest.fixture("gpt2"); // hub layout: no prefix, attn.bias buffers
        CausalLm fromHub = HfCheckpoints.load(hub, 1);
        HfCheckpoints.save(fromHub, tmp.resolve("saved"));
        try (SafeTensorsReader r = SafeTensorsReader.open(tmp.resolve("saved/model.safetensors"))) {
            assertTrue(r.contains("transformer.h.0.attn.c_attn.weight"));
            assertFalse(r.contains("transformer.h.0.attn.bias"), "buffers are not parameters");
            assertArrayEquals(new int[] {16, 48}, r.info("transformer.h.0.attn.c_attn.weight").shape(), "Conv1D [in, out]");
        }
        CausalLm prefixed = HfCheckpoints.load(tmp.resolve("saved"), 1);
        assertArrayEquals(fromHub.forward(TOKENS, POSITIONS, 1, 8, false).clone(), prefixed.forward(TOKENS, POSITIONS, 1, 8, false));
    }

    @Test
    void shardedCheckpointLoadsThroughItsIndex() throws Exception {
        CausalLm m = HfCheckpoints.load(ModelFixturesTest.fixture("llama_linear"), 1);
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        m.config().write(dir.resolve("config.json"));
        SafeTensorsWriter first = new SafeTensorsWriter(), second = new SafeTensorsWriter();
        StringBuilder map = new StringBuilder();
        List<Parameter> params = m.parameters();
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            String shard = i < params.size() / 2 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
            (i < params.size() / 2 ? first : second).add(p.name(), p.shape(), p.data());
            map.append(map.isEmpty() ? "" : ",").append('"').append(p.name()).append("\":\"").append(shard).append('"');
        }
        first.write(dir.resolve("model-00001-of-00002.safetensors"), Map.of("format", "pt"));
        second.write(dir.resolve("model-00002-of-00002.safetensors"), Map.of("format", "pt"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"metadata\":{},\"weight_map\":{" + map + "}}");
        CausalLm loaded = HfCheckpoints.load(dir, 1);
        assertArrayEquals(m.forward(TOKENS, POSITIONS, 1, 8, false).clone(), loaded.forward(TOKENS, POSITIONS, 1, 8, false));
    }

    @Test
    void bf16AndF16TensorsAreReadAsFloat32() throws Exception {
        // 1.5 and -2.25 in bfloat16 (0x3FC0, 0xC010) and float16 (0x3E00, 0xC080), little-endian.
        Path file = tmp.resolve("half.safetensors");
        String header = "{\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[4,8]}}";
        ByteBuffer buf = ByteBuffer.allocate(8 + header.length() + 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length()).put(header.getBytes()).putShort((short) 0x3FC0).putShort((short) 0xC010)
                .putShort((short) 0x3E00).putShort((short) 0xC080);
        Files.write(file, buf.array());
        try (SafeTensorsReader r = SafeTensorsReader.open(file)) {
            assertArrayEquals(new float[] {1.5f, -2.25f}, r.readFloats("b"));
            assertArrayEquals(new float[] {1.5f, -2.25f}, r.readFloats("h"));
        }
    }

    @Test
    void createDrawsSpec8InitDeterministically() {
        ModelConfig cfg = ModelConfig.parse("""
                {"model_type":"gpt2","vocab_size":300,"n_embd":64,"n_layer":8,"n_head":4,"n_positions":32}""", "test");
        CausalLm a = HfCheckpoints.create(cfg, 5, 1), b = HfCheckpoints.create(cfg, 5, 2), c = HfCheckpoints.create(cfg, 6, 1);
        for (int i = 0; i < a.parameters().size(); i++) {
            assertArrayEquals(a.parameters().get(i).data(), b.parameters().get(i).data(), "same seed, other thread count");
        }
        assertNotEquals(a.parameters().get(0).data()[0], c.parameters().get(0).data()[0]);
        Map<String, Parameter> byName = new java.util.HashMap<>();
        a.parameters().forEach(p -> byName.put(p.name(), p));
        assertEquals(0.02, std(byName.get("transformer.wte.weight").data()), 0.001);
        assertEquals(0.02, std(byName.get("transformer.h.0.attn.c_attn.weight").data()), 0.001);
        assertEquals(0.02 / Math.sqrt(16), std(byName.get("transformer.h.3.mlp.c_proj.weight").data()), 0.0003);
        assertEquals(0.02 / Math.sqrt(16), std(byName.get("transformer.h.3.attn.c_proj.weight").data()), 0.0004);
        for (float v : byName.get("transformer.h.0.ln_1.weight").data()) {
            assertEquals(1f, v);
        }
        for (float v : byName.get("transformer.h.0.attn.c_attn.bias").data()) {
            assertEquals(0f, v);
        }
    }

    static double std(float[] d) {
        double s = 0, m = 0;
        for (float v : d) {
            m += v;
        }
        m /= d.length;
        for (float v : d) {
            s += (v - m) * (v - m);
        }
        return Math.sqrt(s / d.length);
    }

    @Test
    void missingTensorIsNamedWithItsFile() throws Exception {
        CausalLm m = HfCheckpoints.load(ModelFixturesTest.fixture("qwen2"), 1);
        Path dir = Files.createDirectories(tmp.resolve("missing"));
        m.config().write(dir.resolve("config.json"));
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (Parameter p : m.parameters()) {
            if (!p.name().equals("model.layers.1.self_attn.k_proj.bias")) {
                w.add(p.name(), p.shape(), p.data());
            }
        }
        w.write(dir.resolve("model.safetensors"), Map.of());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> HfCheckpoints.load(dir, 1));
        assertTrue(e.getMessage().contains("model.layers.1.self_attn.k_proj.bias"), e.getMessage());
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    @Test
    void shapeMismatchIsNamed() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("shape"));
        Path src = ModelFixturesTest.fixture("qwen3");
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), Files.readString(src.resolve("config.json")).replace("\"intermediate_size\": 24", "\"intermediate_size\": 20"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> HfCheckpoints.load(dir, 1));
        assertTrue(e.getMessage().contains("model.layers.0.mlp.gate_proj.weight") && e.getMessage().contains("[24, 16]")
                && e.getMessage().contains("[20, 16]"), e.getMessage());
    }

    @Test
    void unknownArchitectureAndMissingFieldsAreNamed() throws Exception {
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, "{\"model_type\":\"mamba\",\"hidden_size\":8}");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelConfig.read(cfg));
        assertTrue(e.getMessage().contains("mamba") && e.getMessage().contains("config.json"), e.getMessage());
        Files.writeString(cfg, "{\"model_type\":\"llama\",\"vocab_size\":8,\"num_hidden_layers\":1,\"num_attention_heads\":2,\"intermediate_size\":4}");
        e = assertThrows(ModelFormatException.class, () -> ModelConfig.read(cfg));
        assertTrue(e.getMessage().contains("hidden_size"), e.getMessage());
        Files.writeString(cfg, "{\"model_type\":\"llama\",\"vocab_size\":8,\"hidden_size\":8,\"num_hidden_layers\":1,"
                + "\"num_attention_heads\":2,\"intermediate_size\":4,\"rope_scaling\":{\"rope_type\":\"yarn\",\"factor\":4}}");
        e = assertThrows(ModelFormatException.class, () -> ModelConfig.read(cfg));
        assertTrue(e.getMessage().contains("yarn"), e.getMessage());
        e = assertThrows(ModelFormatException.class, () -> HfCheckpoints.load(tmp.resolve("nowhere"), 1));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }

    @Test
    void truncatedSafetensorsIsAFormatError() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("trunc"));
        Path src = ModelFixturesTest.fixture("qwen3");
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        byte[] all = Files.readAllBytes(src.resolve("model.safetensors"));
        Files.write(dir.resolve("model.safetensors"), java.util.Arrays.copyOf(all, all.length / 2));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> HfCheckpoints.load(dir, 1));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }
}
