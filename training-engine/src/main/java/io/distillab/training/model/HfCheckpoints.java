package io.distillab.training.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.training.safetensors.SafeTensorsFormatException;
import io.distillab.training.safetensors.SafeTensorsReader;
import io.distillab.training.safetensors.SafeTensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Hugging Face checkpoint folders: {@code config.json} plus {@code model.safetensors} or shards
 * listed in {@code model.safetensors.index.json}, under HF's tensor names; PEFT LoRA adapters.
 */
public final class HfCheckpoints {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    public static final String ADAPTER_CONFIG = "adapter_config.json";
    public static final String ADAPTER_WEIGHTS = "adapter_model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Map<String, String> METADATA = Map.of("format", "pt");

    private HfCheckpoints() {
    }

    /** Loads a checkpoint folder; any problem with its files throws {@link ModelFormatException}. */
    public static CausalLm load(Path dir, int threads) {
        Path configFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new ModelFormatException(configFile + ": no config.json in the checkpoint folder");
        }
        ModelConfig cfg = ModelConfig.read(configFile);
        Map<String, Path> fileOf = tensorFiles(dir);
        TransformerLm model = new TransformerLm(cfg, threads);
        Map<Path, SafeTensorsReader> readers = new HashMap<>();
        try {
            for (Parameter p : model.parameters()) {
                String stored = storedName(p.name(), fileOf);
                if (stored == null) {
                    Path where = fileOf.isEmpty() ? dir.resolve(WEIGHTS) : fileOf.values().iterator().next();
                    throw new ModelFormatException((fileOf.size() > 1 || Files.exists(dir.resolve(INDEX)) ? dir.resolve(INDEX) : where)
                            + ": tensor " + p.name() + " is missing");
                }
                Path file = fileOf.get(stored);
                SafeTensorsReader reader = readers.get(file);
                if (reader == null) {
                    reader = SafeTensorsReader.open(file);
                    readers.put(file, reader);
                }
                if (!reader.contains(stored)) {
                    throw new ModelFormatException(file + ": tensor " + stored + " is missing");
                }
                SafeTensorsReader.TensorInfo info = reader.info(stored);
                if (!Arrays.equals(info.shape(), p.shape())) {
                    throw new ModelFormatException(file + ": tensor " + stored + " has shape " + Arrays.toString(info.shape())
                            + ", config.json gives " + Arrays.toString(p.shape()));
                }
                reader.readFloats(stored, p.data());
            }
        } catch (SafeTensorsFormatException e) {
            throw new ModelFormatException(e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelFormatException(dir + ": cannot read weights: " + e.getMessage(), e);
        } finally {
            for (SafeTensorsReader r : readers.values()) {
                try {
                    r.close();
                } catch (IOException ignored) {
                    // read-only mapping; nothing to lose
                }
            }
        }
        return model;
    }

    /** Which file holds each stored tensor name. */
    private static Map<String, Path> tensorFiles(Path dir) {
        Map<String, Path> fileOf = new LinkedHashMap<>();
        Path single = dir.resolve(WEIGHTS);
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(single)) {
            try (SafeTensorsReader r = SafeTensorsReader.open(single)) {
                for (String n : r.names()) {
                    fileOf.put(n, single);
                }
            } catch (SafeTensorsFormatException e) {
                throw new ModelFormatException(e.getMessage(), e);
            } catch (IOException e) {
                throw new ModelFormatException(single + ": cannot read: " + e.getMessage(), e);
            }
            return fileOf;
        }
        if (!Files.isRegularFile(index)) {
            throw new ModelFormatException(dir + ": neither " + WEIGHTS + " nor " + INDEX + " is there");
        }
        JsonNode map;
        try {
            map = JSON.readTree(Files.readString(index)).get("weight_map");
        } catch (IOException e) {
            throw new ModelFormatException(index + ": not JSON: " + e.getMessage().replaceAll("\\s+", " "), e);
        }
        if (map == null || !map.isObject()) {
            throw new ModelFormatException(index + ": field weight_map is missing");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Path shard = dir.resolve(e.getValue().asText());
            if (!shard.normalize().startsWith(dir.normalize()) || !Files.isRegularFile(shard)) {
                throw new ModelFormatException(index + ": shard " + e.getValue().asText() + " of tensor " + e.getKey()
                        + " is not in the folder");
            }
            fileOf.put(e.getKey(), shard);
        }
        return fileOf;
    }

    /** GPT-2 files come with or without the {@code transformer.} prefix (GPT2LMHeadModel vs GPT2Model). */
    private static String storedName(String name, Map<String, Path> fileOf) {
        if (fileOf.containsKey(name)) {
            return name;
        }
        if (name.startsWith("transformer.") && fileOf.containsKey(name.substring("transformer.".length()))) {
            return name.substring("transformer.".length());
        }
        return null;
    }

    /**
     * A model of {@code cfg} with SPEC 8's random weights: normal(0, 0.02) matrices and
     * embeddings, zero biases, unit norm weights, GPT-2's residual projections (attn.c_proj,
     * mlp.c_proj) with standard deviation 0.02/sqrt(2 n_layer). Each tensor is drawn from its own
     * seeded stream in blocks, so the weights depend on the seed only, not on the thread count.
     */
    public static CausalLm create(ModelConfig cfg, long seed, int threads) {
        TransformerLm model = new TransformerLm(cfg, threads);
        Workers workers = model.workers();
        List<Parameter> params = model.parameters();
        double residualStd = 0.02 / Math.sqrt(2.0 * cfg.numLayers());
        for (int index = 0; index < params.size(); index++) {
            Parameter p = params.get(index);
            String n = p.name();
            float[] d = p.data();
            if (n.endsWith(".bias")) {
                Arrays.fill(d, 0f);
            } else if (p.shape().length == 1) {
                Arrays.fill(d, 1f); // LayerNorm / RMSNorm weights
            } else {
                double std = cfg.family() == ModelConfig.Family.GPT2 && n.endsWith("c_proj.weight") ? residualStd : 0.02;
                fillNormal(workers, d, std, seed, index);
            }
        }
        return model;
    }

    private static final int BLOCK = 1 << 16;

    private static void fillNormal(Workers workers, float[] d, double std, long seed, int index) {
        int blocks = (d.length + BLOCK - 1) / BLOCK;
        workers.forRange(blocks, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                SplittableRandom rnd = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (index + 1)) ^ ((long) b << 32));
                int end = Math.min(d.length, (b + 1) * BLOCK);
                for (int i = b * BLOCK; i < end; i += 2) {
                    // Box-Muller: two independent normals from two uniforms.
                    double u1 = 1.0 - rnd.nextDouble();
                    double u2 = rnd.nextDouble();
                    double r = Math.sqrt(-2.0 * Math.log(u1)) * std;
                    d[i] = (float) (r * Math.cos(2 * Math.PI * u2));
                    if (i + 1 < end) {
                        d[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
                    }
                }
            }
        });
    }

    /** Writes config.json and model.safetensors under HF's names (tied lm_head omitted, as HF does). */
    public static void save(CausalLm m, Path dir) {
        write(m, dir, false);
    }

    /** Writes a full checkpoint whose target weights are W + (alpha/r)·B·A. */
    public static void saveMerged(CausalLm m, Path dir) {
        write(m, dir, true);
    }

    private static void write(CausalLm m, Path dir, boolean merge) {
        try {
            Files.createDirectories(dir);
            m.config().write(dir.resolve(CONFIG));
            Map<Parameter, float[]> merged = new IdentityHashMap<>();
            if (merge && m instanceof TransformerLm lm) {
                for (TransformerLm.Linear lin : lm.linears()) {
                    if (lin.loraA != null) {
                        merged.put(lin.weight, lin.mergedWeight());
                    }
                }
            }
            SafeTensorsWriter w = new SafeTensorsWriter();
            for (Parameter p : m.parameters()) {
                w.add(p.name(), p.shape(), merged.getOrDefault(p, p.data()));
            }
            w.write(dir.resolve(WEIGHTS), METADATA);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes PEFT's adapter_config.json and adapter_model.safetensors of a model with LoRA enabled. */
    public static void saveLoraAdapter(CausalLm m, Path dir) {
        LoraConfig lora = m.lora();
        if (lora == null) {
            throw new IllegalStateException("the model has no LoRA adapters");
        }
        try {
            Files.createDirectories(dir);
            ObjectNode c = JSON.createObjectNode();
            c.put("peft_type", "LORA");
            c.put("task_type", "CAUSAL_LM");
            c.put("r", lora.rank());
            c.put("lora_alpha", lora.alpha());
            c.put("lora_dropout", 0.0);
            c.put("bias", "none");
            c.put("fan_in_fan_out", m.config().family() == ModelConfig.Family.GPT2);
            c.put("inference_mode", true);
            c.put("init_lora_weights", true);
            c.putNull("modules_to_save");
            if (lora.baseModelNameOrPath() == null) {
                c.putNull("base_model_name_or_path");
            } else {
                c.put("base_model_name_or_path", lora.baseModelNameOrPath());
            }
            lora.targetModules().forEach(c.putArray("target_modules")::add);
            Files.writeString(dir.resolve(ADAPTER_CONFIG), JSON.writeValueAsString(c) + "\n");
            SafeTensorsWriter w = new SafeTensorsWriter();
            for (Parameter p : m.trainableParameters()) {
                w.add(p.name(), p.shape(), p.data());
            }
            w.write(dir.resolve(ADAPTER_WEIGHTS), METADATA);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
