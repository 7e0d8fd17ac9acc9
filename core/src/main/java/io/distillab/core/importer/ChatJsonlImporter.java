package io.distillab.core.importer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.core.trajectory.Trajectory;
import java.io.BufferedReader;
import java.io.IOException;

/** Chat JSONL: one {@code {model, task, trial, reward, messages}} object per line. */
final class ChatJsonlImporter {
    private ChatJsonlImporter() {
    }

    static int read(BufferedReader in, String file, String modelOverride, RecordSink sink) throws IOException {
        int count = 0;
        int lineNo = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            RecordContext ctx = new RecordContext(file, "line " + lineNo);
            JsonNode rec;
            try {
                rec = Json.MAPPER.readTree(line);
            } catch (JsonProcessingException e) {
                throw new ImportException(file, "line " + lineNo, null, "not JSON: " + e.getOriginalMessage());
            }
            sink.accept(record(rec, ctx, modelOverride), rec);
            count++;
        }
        return count;
    }

    /** One chat record ({@code {model, task, trial, reward, messages[, gold_actions][, tools]}}). */
    static Trajectory record(JsonNode rec, RecordContext ctx, String modelOverride) {
        ctx.requiredObject(rec, "(record)");
        String model = modelOverride;
        if (model == null) {
            JsonNode m = ctx.required(rec, "model", "model");
            if (!m.isTextual()) {
                throw ctx.error("model", "expected a string, found " + RecordContext.describe(m));
            }
            model = m.textValue();
        }
        String task = ctx.requiredId(rec, "task", "task");
        int trial = ctx.requiredInt(rec, "trial", "trial");
        double reward = ctx.requiredNumber(rec, "reward", "reward");
        JsonNode messages = ctx.requiredArray(rec, "messages", "messages");
        TranscriptBuilder b = new TranscriptBuilder(ctx);
        ChatMessages.read(messages, "messages", ctx, b);
        return b.build(model, task, trial, reward,
                TauBenchImporter.goldTools(rec.path("gold_actions"), "gold_actions", ctx),
                TranscriptBuilder.GENERIC, tools(rec.get("tools"), ctx));
    }

    /** The record's {@code tools}, in OpenAI's form as the chat completions API takes them, or null. */
    private static JsonNode tools(JsonNode tools, RecordContext ctx) {
        if (tools == null || tools.isNull()) {
            return null;
        }
        if (!tools.isArray()) {
            throw ctx.error("tools", "expected an array of tool schemas, found " + RecordContext.describe(tools));
        }
        return tools;
    }
}
