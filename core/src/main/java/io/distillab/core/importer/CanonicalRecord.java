package io.distillab.core.importer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.core.trajectory.Message;
import io.distillab.core.trajectory.Role;
import io.distillab.core.trajectory.ToolCall;
import io.distillab.core.trajectory.Trajectory;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A trajectory as one chat JSONL record, the form every format is stored in once parsed: calls get
 * ids {@code c1..cn} and each tool message carries its call's id and error flag, so reading the
 * record back ({@link #parse}) gives the same calls, outputs and errors whatever the source format
 * was (ToolBench's error rule, tau2's flags and shared tau-bench ids included).
 */
public final class CanonicalRecord {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private CanonicalRecord() {
    }

    public static ObjectNode toJson(Trajectory t) {
        ObjectNode rec = F.objectNode();
        rec.put("model", t.model());
        rec.put("task", t.task());
        rec.put("trial", t.trial());
        rec.put("reward", t.reward());
        ArrayNode msgs = rec.putArray("messages");
        for (Message m : t.messages()) {
            if (m.role() == Role.TOOL) {
                continue; // written right after the turn that made the call
            }
            ObjectNode o = msgs.addObject();
            o.put("role", m.role().name().toLowerCase());
            if (m.text() == null) {
                o.putNull("content");
            } else {
                o.put("content", m.text());
            }
            if (!m.calls().isEmpty()) {
                ArrayNode calls = o.putArray("tool_calls");
                for (ToolCall c : m.calls()) {
                    ObjectNode call = calls.addObject();
                    call.put("id", "c" + c.index());
                    call.put("name", c.name());
                    call.set("arguments", c.arguments());
                }
                for (ToolCall c : m.calls()) {
                    if (c.output() != null) {
                        ObjectNode tool = msgs.addObject();
                        tool.put("role", "tool");
                        tool.put("tool_call_id", "c" + c.index());
                        tool.put("content", c.output());
                        tool.put("error", c.error());
                    }
                }
            }
        }
        if (t.goldTools() != null) {
            ArrayNode gold = rec.putArray("gold_actions");
            t.goldTools().stream().sorted().forEach(g -> gold.addObject().put("name", g));
        }
        return rec;
    }

    public static String toJsonString(Trajectory t) {
        return toJson(t).toString();
    }

    /** Reads a record written by {@link #toJson} (or any chat JSONL record). */
    public static Trajectory parse(JsonNode record, String source) {
        return ChatJsonlImporter.record(record, new RecordContext(source, null), null);
    }

    public static Trajectory parse(String json, String source) {
        try {
            return parse(Json.MAPPER.readTree(json), source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
