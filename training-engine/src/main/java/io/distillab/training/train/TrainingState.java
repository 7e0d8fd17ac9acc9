package io.distillab.training.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a checkpoint needs besides the model to continue a run bit for bit, written as
 * {@code training_state/trainer_state.json}: the step reached and the options that fix the data
 * order and the update. The data order is a pure function of (seed, step), so the step is the
 * whole of the RNG state and the data position. The moments live beside it in
 * {@code optimizer.safetensors}.
 *
 * @param spanWeights  the learnable s_k (float32, written with Float.toString, which reads back exactly)
 * @param evalRows     the number of held-out rows: with the seed it fixes which rows are trained on
 *                     (0 in states written before evaluation existed)
 */
record TrainingState(long step, long steps, int batchSize, int gradAccum, String order, long seed, Integer loraRank,
                     Double loraAlpha, boolean learnSpanWeights, float[] spanWeights, int evalRows) {
    static final String FOLDER = "training_state";
    static final String FILE = "trainer_state.json";
    static final String MOMENTS = "optimizer.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    void write(Path folder) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", step);
        o.put("steps", steps);
        o.put("batch_size", batchSize);
        o.put("grad_accum", gradAccum);
        o.put("order", order);
        o.put("seed", seed);
        if (loraRank != null) {
            o.put("lora_rank", loraRank);
            o.put("lora_alpha", loraAlpha);
        }
        o.put("learn_span_weights", learnSpanWeights);
        o.put("eval_rows", evalRows);
        var array = o.putArray("span_weights");
        for (float s : spanWeights) {
            array.add(Float.toString(s));
        }
        Files.writeString(folder.resolve(FILE), JSON.writeValueAsString(o) + "\n");
    }

    static TrainingState read(Path folder) {
        Path file = folder.resolve(FILE);
        try {
            JsonNode o = JSON.readTree(Files.readString(file));
            float[] s = new float[o.get("span_weights").size()];
            for (int k = 0; k < s.length; k++) {
                s[k] = Float.parseFloat(o.get("span_weights").get(k).asText());
            }
            return new TrainingState(o.get("step").asLong(), o.get("steps").asLong(), o.get("batch_size").asInt(),
                    o.get("grad_accum").asInt(), o.get("order").asText(), o.get("seed").asLong(),
                    o.has("lora_rank") ? o.get("lora_rank").asInt() : null,
                    o.has("lora_alpha") ? o.get("lora_alpha").asDouble() : null,
                    o.get("learn_span_weights").asBoolean(), s, o.path("eval_rows").asInt(0));
        } catch (IOException | RuntimeException e) {
            throw new InvalidTrainingInputException(file + ": not a readable training state (" + e.getMessage() + ")", e);
        }
    }

    /** The first option a resumed run gives differently from the checkpoint's, or null. */
    String differenceFrom(TrainingState now) {
        if (batchSize != now.batchSize) {
            return "--batch-size " + batchSize;
        }
        if (gradAccum != now.gradAccum) {
            return "--grad-accum " + gradAccum;
        }
        if (!order.equals(now.order)) {
            return "--order " + order;
        }
        if (seed != now.seed) {
            return "--seed " + seed;
        }
        if (!java.util.Objects.equals(loraRank, now.loraRank) || !java.util.Objects.equals(loraAlpha, now.loraAlpha)) {
            return loraRank == null ? "no --lora" : "--lora --lora-rank " + loraRank + " --lora-alpha " + loraAlpha;
        }
        if (learnSpanWeights != now.learnSpanWeights) {
            return learnSpanWeights ? "--learn-span-weights" : "no --learn-span-weights";
        }
        if (evalRows != now.evalRows) {
            return evalRows + " held-out rows (--eval-rows " + evalRows + ")";
        }
        return null;
    }
}
