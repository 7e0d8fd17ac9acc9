package io.distillab.core.importer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.core.trajectory.Trajectory;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * tau-bench results: a JSON list of {@code {task_id, trial, reward, traj, info.task.actions}},
 * streamed one record at a time so a file of any size needs the heap of one record.
 */
final class TauBenchImporter {
    private TauBenchImporter() {
    }

    static int read(JsonParser p, String file, String model, RecordSink sink) throws IOException {
        if (p.nextToken() != JsonToken.START_ARRAY) {
            throw new ImportException(file, null, null,
                    "not a tau-bench results file: expected a JSON list of records, found " + p.currentToken());
        }
        int index = 0;
        while (p.nextToken() == JsonToken.START_OBJECT) {
            JsonNode rec = p.readValueAsTree();
            sink.accept(record(rec, new RecordContext(file, "record " + index), model), rec);
            index++;
        }
        if (p.currentToken() != JsonToken.END_ARRAY) {
            throw new ImportException(file, "record " + index, null, "expected a JSON object, found " + p.currentToken());
        }
        return index;
    }

    static Trajectory record(JsonNode rec, RecordContext ctx, String model) {
        String task = ctx.requiredId(rec, "task_id", "task_id");
        int trial = ctx.requiredInt(rec, "trial", "trial");
        double reward = ctx.requiredNumber(rec, "reward", "reward");
        JsonNode traj = ctx.requiredArray(rec, "traj", "traj");
        TranscriptBuilder b = new TranscriptBuilder(ctx);
        ChatMessages.read(traj, "traj", ctx, b);
        return b.build(model, task, trial, reward, goldTools(rec.path("info").path("task").path("actions"),
                "info.task.actions", ctx), TranscriptBuilder.GENERIC);
    }

    /** Tool names of gold actions ({@code [{name, ...}]}), or null when the record has none. */
    static Set<String> goldTools(JsonNode actions, String path, RecordContext ctx) {
        if (actions.isMissingNode() || actions.isNull()) {
            return null;
        }
        if (!actions.isArray()) {
            throw ctx.error(path, "expected an array, found " + RecordContext.describe(actions));
        }
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < actions.size(); i++) {
            JsonNode n = actions.get(i).get("name");
            if (n == null || !n.isTextual()) {
                throw ctx.error(path + "[" + i + "].name", n == null ? "missing" : "expected a string");
            }
            names.add(n.textValue());
        }
        return names;
    }
}
