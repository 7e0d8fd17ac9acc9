package io.distillab.training.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Hugging Face {@code config.json} of one of the supported families: {@code gpt2}
 * (GPT2LMHeadModel), {@code llama}, {@code qwen2}, {@code qwen3}. Missing optional fields take
 * the defaults of HF's configuration classes. Fields this engine does not use are kept and
 * written back unchanged, so a saved student carries its teacher-side settings (token ids, ...).
 */
public final class ModelConfig {
    /** The two block layouts: GPT-2 (LayerNorm, GELU, learned positions) and Llama's (the rest). */
    public enum Family { GPT2, LLAMA }

    /** RoPE frequency scaling as HF's {@code rope_scaling} names it. */
    public enum RopeScaling { NONE, LINEAR, LLAMA3 }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ObjectNode json;
    private final String source;
    private final String modelType;
    private final int vocabSize;
    private final int hiddenSize;
    private final int numLayers;
    private final int numHeads;
    private final int numKvHeads;
    private final int headDim;
    private final int intermediateSize;
    private final int maxPositions;
    private final double normEps;
    private final boolean tieWordEmbeddings;
    private final boolean qkvBias;
    private final boolean outputBias;
    private final boolean mlpBias;
    private final double ropeTheta;
    private final RopeScaling ropeScaling;
    private final double ropeFactor;
    private final double ropeLowFreqFactor;
    private final double ropeHighFreqFactor;
    private final int ropeOriginalMaxPositions;

    private ModelConfig(ObjectNode json, String source) {
        this.json = json;
        this.source = source;
        this.modelType = text("model_type", null);
        if (modelType == null) {
            throw new ModelFormatException(source + ": field model_type is missing");
        }
        switch (modelType) {
            case "gpt2" -> {
                vocabSize = positive("vocab_size", 50257);
                hiddenSize = positive("n_embd", 768);
                numLayers = positive("n_layer", 12);
                numHeads = positive("n_head", 12);
                numKvHeads = numHeads;
                headDim = divide(hiddenSize, numHeads, "n_embd", "n_head");
                intermediateSize = json.hasNonNull("n_inner") ? positive("n_inner", 0) : 4 * hiddenSize;
                maxPositions = positive("n_positions", 1024);
                normEps = number("layer_norm_epsilon", 1e-5);
                tieWordEmbeddings = bool("tie_word_embeddings", true);
                qkvBias = true;
                outputBias = true;
                mlpBias = true;
                String act = text("activation_function", "gelu_new");
                if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
                    throw new ModelFormatException(source + ": field activation_function " + act
                            + " is not supported (gelu_new, gelu_pytorch_tanh)");
                }
                if (bool("scale_attn_by_inverse_layer_idx", false)) {
                    throw new ModelFormatException(source + ": field scale_attn_by_inverse_layer_idx true is not supported");
                }
                if (!bool("scale_attn_weights", true)) {
                    throw new ModelFormatException(source + ": field scale_attn_weights false is not supported");
                }
                ropeTheta = 0;
                ropeScaling = RopeScaling.NONE;
                ropeFactor = 1;
                ropeLowFreqFactor = 0;
                ropeHighFreqFactor = 0;
                ropeOriginalMaxPositions = 0;
            }
            case "llama", "qwen2", "qwen3" -> {
                vocabSize = positive("vocab_size", -1);
                hiddenSize = positive("hidden_size", -1);
                numLayers = positive("num_hidden_layers", -1);
                numHeads = positive("num_attention_heads", -1);
                numKvHeads = positive("num_key_value_heads", numHeads);
                if (numHeads % numKvHeads != 0) {
                    throw new ModelFormatException(source + ": field num_key_value_heads " + numKvHeads
                            + " does not divide num_attention_heads " + numHeads);
                }
                headDim = json.hasNonNull("head_dim") ? positive("head_dim", -1)
                        : modelType.equals("qwen3") ? 128 : divide(hiddenSize, numHeads, "hidden_size", "num_attention_heads");
                if (headDim % 2 != 0) {
                    throw new ModelFormatException(source + ": field head_dim " + headDim + " is odd (RoPE rotates pairs)");
                }
                intermediateSize = positive("intermediate_size", -1);
                maxPositions = positive("max_position_embeddings", modelType.equals("llama") ? 2048 : 32768);
                normEps = number("rms_norm_eps", 1e-6);
                tieWordEmbeddings = bool("tie_word_embeddings", false);
                boolean attentionBias = bool("attention_bias", false);
                qkvBias = modelType.equals("qwen2") || attentionBias;
                outputBias = !modelType.equals("qwen2") && attentionBias;
                mlpBias = modelType.equals("llama") && bool("mlp_bias", false);
                String act = text("hidden_act", "silu");
                if (!act.equals("silu")) {
                    throw new ModelFormatException(source + ": field hidden_act " + act + " is not supported (silu)");
                }
                if (bool("use_sliding_window", false)) {
                    throw new ModelFormatException(source + ": field use_sliding_window true is not supported");
                }
                ropeTheta = number("rope_theta", 10000.0);
                JsonNode scaling = json.get("rope_scaling");
                if (scaling == null || scaling.isNull()) {
                    ropeScaling = RopeScaling.NONE;
                    ropeFactor = 1;
                    ropeLowFreqFactor = 0;
                    ropeHighFreqFactor = 0;
                    ropeOriginalMaxPositions = 0;
                } else {
                    String type = scaling.hasNonNull("rope_type") ? scaling.get("rope_type").asText()
                            : scaling.hasNonNull("type") ? scaling.get("type").asText() : "default";
                    ropeFactor = scaling.path("factor").asDouble(1.0);
                    switch (type) {
                        case "default" -> {
                            ropeScaling = RopeScaling.NONE;
                            ropeLowFreqFactor = 0;
                            ropeHighFreqFactor = 0;
                            ropeOriginalMaxPositions = 0;
                        }
                        case "linear" -> {
                            ropeScaling = RopeScaling.LINEAR;
                            ropeLowFreqFactor = 0;
                            ropeHighFreqFactor = 0;
                            ropeOriginalMaxPositions = 0;
                        }
                        case "llama3" -> {
                            ropeScaling = RopeScaling.LLAMA3;
                            ropeLowFreqFactor = required(scaling, "low_freq_factor");
                            ropeHighFreqFactor = required(scaling, "high_freq_factor");
                            ropeOriginalMaxPositions = (int) required(scaling, "original_max_position_embeddings");
                        }
                        default -> throw new ModelFormatException(source + ": field rope_scaling type " + type
                                + " is not supported (default, linear, llama3)");
                    }
                }
            }
            default -> throw new ModelFormatException(source + ": model_type " + modelType
                    + " is not supported (gpt2, llama, qwen2, qwen3)");
        }
    }

    /** Reads {@code config.json}; a bad or unsupported file throws {@link ModelFormatException}. */
    public static ModelConfig read(Path configJson) {
        JsonNode node;
        try {
            node = JSON.readTree(Files.readString(configJson));
        } catch (IOException e) {
            throw new ModelFormatException(configJson + ": cannot read config: " + oneLine(e.getMessage()), e);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new ModelFormatException(configJson + ": not a JSON object");
        }
        return new ModelConfig(object, configJson.toString());
    }

    /** A config from JSON text (tests, the benchmark); {@code source} names it in errors. */
    public static ModelConfig parse(String json, String source) {
        try {
            JsonNode node = JSON.readTree(json);
            if (!(node instanceof ObjectNode object)) {
                throw new ModelFormatException(source + ": not a JSON object");
            }
            return new ModelConfig(object, source);
        } catch (IOException e) {
            throw new ModelFormatException(source + ": " + oneLine(e.getMessage()), e);
        }
    }

    /** Writes the config as HF reads it, with {@code torch_dtype} float32 (what we save). */
    public void write(Path file) throws IOException {
        Files.writeString(file, toJson());
    }

    public String toJson() {
        ObjectNode out = json.deepCopy();
        out.put("torch_dtype", "float32");
        if (!out.has("architectures")) {
            out.putArray("architectures").add(architecture());
        }
        try {
            return JSON.writeValueAsString(out) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The HF class name of a causal LM of this family, e.g. {@code Qwen3ForCausalLM}. */
    public String architecture() {
        return switch (modelType) {
            case "gpt2" -> "GPT2LMHeadModel";
            case "llama" -> "LlamaForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            default -> "Qwen3ForCausalLM";
        };
    }

    public Family family() {
        return modelType.equals("gpt2") ? Family.GPT2 : Family.LLAMA;
    }

    public String modelType() {
        return modelType;
    }

    public int vocabSize() {
        return vocabSize;
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public int numLayers() {
        return numLayers;
    }

    public int numHeads() {
        return numHeads;
    }

    public int numKvHeads() {
        return numKvHeads;
    }

    public int headDim() {
        return headDim;
    }

    public int intermediateSize() {
        return intermediateSize;
    }

    public int maxPositions() {
        return maxPositions;
    }

    public double normEps() {
        return normEps;
    }

    public boolean tieWordEmbeddings() {
        return tieWordEmbeddings;
    }

    /** q/k/v projections have biases (qwen2 always; llama and qwen3 with attention_bias). */
    public boolean qkvBias() {
        return qkvBias;
    }

    /** The attention output projection has a bias (GPT-2; llama and qwen3 with attention_bias). */
    public boolean outputBias() {
        return outputBias;
    }

    public boolean mlpBias() {
        return mlpBias;
    }

    /** Qwen3's per-head RMSNorm of queries and keys before RoPE. */
    public boolean qkNorm() {
        return modelType.equals("qwen3");
    }

    public double ropeTheta() {
        return ropeTheta;
    }

    public RopeScaling ropeScaling() {
        return ropeScaling;
    }

    public double ropeFactor() {
        return ropeFactor;
    }

    public double ropeLowFreqFactor() {
        return ropeLowFreqFactor;
    }

    public double ropeHighFreqFactor() {
        return ropeHighFreqFactor;
    }

    public int ropeOriginalMaxPositions() {
        return ropeOriginalMaxPositions;
    }

    /** Where the config came from, for error messages. */
    public String source() {
        return source;
    }

    private String text(String field, String fallback) {
        JsonNode n = json.get(field);
        return n == null || n.isNull() ? fallback : n.asText();
    }

    private int positive(String field, int fallback) {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) {
            if (fallback > 0) {
                return fallback;
            }
            throw new ModelFormatException(source + ": field " + field + " is missing");
        }
        if (!n.canConvertToInt() || n.asInt() < 1 || !n.isIntegralNumber()) {
            throw new ModelFormatException(source + ": field " + field + " must be a positive integer, got " + n);
        }
        return n.asInt();
    }

    private double number(String field, double fallback) {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw new ModelFormatException(source + ": field " + field + " must be a number, got " + n);
        }
        return n.asDouble();
    }

    private boolean bool(String field, boolean fallback) {
        JsonNode n = json.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isBoolean()) {
            throw new ModelFormatException(source + ": field " + field + " must be true or false, got " + n);
        }
        return n.asBoolean();
    }

    private double required(JsonNode scaling, String field) {
        JsonNode n = scaling.get(field);
        if (n == null || !n.isNumber()) {
            throw new ModelFormatException(source + ": field rope_scaling." + field + " is missing");
        }
        return n.asDouble();
    }

    private int divide(int a, int b, String aName, String bName) {
        if (a % b != 0) {
            throw new ModelFormatException(source + ": field " + aName + " " + a + " is not a multiple of " + bName + " " + b);
        }
        return a / b;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }
}
