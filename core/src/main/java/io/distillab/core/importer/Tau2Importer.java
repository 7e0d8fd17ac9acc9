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
 * tau2-bench results: an object whose {@code simulations[]} hold {@code task_id, trial, messages,
 * reward_info.reward}. The agent's model comes from {@code info.agent_info.llm} when the file has it;
 * gold tool names from {@code tasks[].evaluation_criteria.actions}, which tau2 writes before the
 * simulations (a file that puts them after is read without gold).
 */
final class Tau2Importer {
    private Tau2Importer() {
    }

    static int read(JsonParser p, String file, String modelOverride, String modelFromName,
                    RecordSink sink) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new ImportException(file, null, null,
                    "not a tau2-bench results file: expected a JSON object with 'simulations'");
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
                    String m = model != null ? model : modelFromName;
                    count = 0;
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        JsonNode sim = p.readValueAsTree();
                        sink.accept(simulation(sim, new RecordContext(file, "simulation " + count), m, gold), sim);
                        count++;
                    }
                    if (p.currentToken() != JsonToken.END_ARRAY) {
                        throw new ImportException(file, "simulation " + count, null, "expected a JSON object");
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (count < 0) {
            throw new ImportException(file, null, "simulations", "missing");
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
        int trial = ctx.requiredInt(sim, "trial", "trial");
        JsonNode rewardInfo = ctx.requiredObject(ctx.required(sim, "reward_info", "reward_info"), "reward_info");
        double reward = ctx.requiredNumber(rewardInfo, "reward", "reward_info.reward");
        JsonNode messages = ctx.requiredArray(sim, "messages", "messages");
        TranscriptBuilder b = new TranscriptBuilder(ctx);
        ChatMessages.read(messages, "messages", ctx, b);
        return b.build(model, task, trial, reward, gold.get(task), TranscriptBuilder.GENERIC);
    }
}
