package io.distillab.core.importer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.core.trajectory.Trajectory;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * tau2-bench results, in either of the two shapes public tau2 files come in (SPEC section 1): an
 * object whose {@code simulations[]} hold {@code task_id, trial, messages, reward_info.reward}, or a
 * bare JSON list of such simulations. In the object the agent's model comes from
 * {@code info.agent_info.llm} when the file has it, gold tool names from
 * {@code tasks[].evaluation_criteria.actions}, which tau2 writes before the simulations (a file that
 * puts them after is read without gold). A bare list has neither: the model comes from the file
 * name, and there is no gold. A simulation whose {@code trial} is null is trial 0.
 */
final class Tau2Importer {
    private Tau2Importer() {
    }

    static int read(JsonParser p, String file, String modelOverride, String modelFromName,
                    RecordSink sink) throws IOException {
        JsonToken first = p.nextToken();
        if (first == JsonToken.START_ARRAY) {
            return readSimulations(p, file, modelOverride != null ? modelOverride : modelFromName, Map.of(), sink);
        }
        if (first != JsonToken.START_OBJECT) {
            throw new ImportException(file, null, null, "not a tau2-bench results file: expected a JSON object"
                    + " with 'simulations' or a JSON list of simulations");
        }
        String model = modelOverride;
        Map<String, Set<String>> gold = new HashMap<>();
        int count = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "info" -> {
                    JsonNode info = p.readValueAsTree();
                    JsonNode llm = info == null ? null : info.path("agent_info").get("llm");
                    if (model == null && llm != null && llm.isTextual()) {
                        model = llm.textValue();
                    }
                }
                case "tasks" -> readGold(p.readValueAsTree(), file, gold);
                case "simulations" -> {
                    if (p.currentToken() != JsonToken.START_ARRAY) {
                        throw new ImportException(file, null, "simulations", "expected an array");
                    }
                    count = readSimulations(p, file, model != null ? model : modelFromName, gold, sink);
                }
                default -> p.skipChildren();
            }
        }
        if (count < 0) {
            throw new ImportException(file, null, "simulations", "missing");
        }
        return count;
    }

    /** Reads the simulations of a list whose START_ARRAY is the current token, to its END_ARRAY. */
    private static int readSimulations(JsonParser p, String file, String model, Map<String, Set<String>> gold,
                                       RecordSink sink) throws IOException {
        int count = 0;
        while (p.nextToken() == JsonToken.START_OBJECT) {
            JsonNode sim = p.readValueAsTree();
            sink.accept(simulation(sim, new RecordContext(file, "simulation " + count), model, gold), sim);
            count++;
        }
        if (p.currentToken() != JsonToken.END_ARRAY) {
            throw new ImportException(file, "simulation " + count, null, "expected a JSON object");
        }
        return count;
    }

    private static void readGold(JsonNode tasks, String file, Map<String, Set<String>> gold) {
        if (tasks == null || !tasks.isArray()) {
            return;
        }
        for (int i = 0; i < tasks.size(); i++) {
            JsonNode t = tasks.get(i);
            JsonNode actions = t.path("evaluation_criteria").path("actions");
            if (t.hasNonNull("id") && actions.isArray()) {
                RecordContext ctx = new RecordContext(file, "task " + i);
                gold.put(t.get("id").asText(), TauBenchImporter.goldTools(actions,
                        "tasks[" + i + "].evaluation_criteria.actions", ctx));
            }
        }
    }

    static Trajectory simulation(JsonNode sim, RecordContext ctx, String model, Map<String, Set<String>> gold) {
        String task = ctx.requiredId(sim, "task_id", "task_id");
        int trial = sim.has("trial") && sim.get("trial").isNull() ? 0 : ctx.requiredInt(sim, "trial", "trial");
        JsonNode rewardInfo = ctx.requiredObject(ctx.required(sim, "reward_info", "reward_info"), "reward_info");
        double reward = ctx.requiredNumber(rewardInfo, "reward", "reward_info.reward");
        JsonNode messages = ctx.requiredArray(sim, "messages", "messages");
        TranscriptBuilder b = new TranscriptBuilder(ctx);
        ChatMessages.read(messages, "messages", ctx, b);
        return b.build(model, task, trial, reward, gold.get(task), TranscriptBuilder.GENERIC);
    }
}
