package io.distillab.core.importer;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.core.trajectory.Trajectory;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * One ToolBench DFS answer file: task = the query text, trial 0, reward 1 when the search gave an
 * answer on valid data; the chat is the chosen path, the last list of
 * {@code answer_generation.train_messages}, in OpenAI's legacy function format.
 */
final class ToolBenchImporter {
    private ToolBenchImporter() {
    }

    /** A ToolBench call failed when its output is a JSON object whose {@code error} is a non-empty string. */
    static final TranscriptBuilder.ErrorRule ERROR_RULE = (output, flag) -> {
        if (output != null) {
            String t = output.trim();
            if (t.startsWith("{")) {
                try {
                    JsonNode o = Json.MAPPER.readTree(t);
                    JsonNode e = o == null ? null : o.get("error");
                    if (e != null && e.isTextual() && !e.textValue().isEmpty()) {
                        return true;
                    }
                } catch (IOException notJson) {
                    // a truncated output: the generic rule decides
                }
            }
        }
        return TranscriptBuilder.GENERIC.isError(output, flag);
    };

    /** Returns the trajectory, or null when the file has no chosen path (to be counted as skipped). */
    static Trajectory read(JsonNode root, String file, String model) {
        RecordContext ctx = new RecordContext(file, null);
        if (root == null || !root.isObject()) {
            throw new ImportException(file, null, null, "not a ToolBench answer file: expected a JSON object");
        }
        JsonNode ag = ctx.requiredObject(ctx.required(root, "answer_generation", "answer_generation"),
                "answer_generation");
        JsonNode query = ctx.required(ag, "query", "answer_generation.query");
        if (!query.isTextual()) {
            throw ctx.error("answer_generation.query", "expected a string, found " + RecordContext.describe(query));
        }
        JsonNode train = ag.get("train_messages");
        if (train == null || train.isNull() || (train.isArray() && train.isEmpty())) {
            return null;
        }
        if (!train.isArray()) {
            throw ctx.error("answer_generation.train_messages", "expected an array of message lists");
        }
        int last = train.size() - 1;
        String path = "answer_generation.train_messages[" + last + "]";
        JsonNode messages = train.get(last);
        if (!messages.isArray()) {
            throw ctx.error(path, "expected an array, found " + RecordContext.describe(messages));
        }
        boolean answered = "give_answer".equals(ag.path("finish_type").asText(null))
                && ag.path("valid_data").asBoolean(false) && ag.path("valid_data").isBoolean();
        TranscriptBuilder b = new TranscriptBuilder(ctx);
        ChatMessages.read(messages, path, ctx, b);
        return b.build(model, query.textValue(), 0, answered ? 1.0 : 0.0, null, ERROR_RULE,
                toolSchemas(ag.get("function"), ctx));
    }

    /**
     * ToolBench lists the functions the search could call as bare schemas
     * ({@code {name, description, parameters}}); wrapped in OpenAI's {@code {"type": "function",
     * "function": ...}} form they are what a chat template's {@code tools} expects.
     */
    static JsonNode toolSchemas(JsonNode functions, RecordContext ctx) {
        if (functions == null || functions.isNull()) {
            return null;
        }
        if (!functions.isArray()) {
            throw ctx.error("answer_generation.function", "expected an array of function schemas, found "
                    + RecordContext.describe(functions));
        }
        com.fasterxml.jackson.databind.node.ArrayNode tools = Json.MAPPER.createArrayNode();
        for (JsonNode f : functions) {
            com.fasterxml.jackson.databind.node.ObjectNode t = tools.addObject();
            t.put("type", "function");
            t.set("function", f);
        }
        return tools;
    }
}
