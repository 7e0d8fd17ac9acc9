package io.distillab.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.core.importer.CanonicalRecord;
import io.distillab.core.trajectory.Trajectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * Builds small trajectories for tests as chat records and parses them through the importer, so
 * tests exercise the same call/output pairing as real files. Each call gets its own id.
 */
public final class TrajectoryBuilder {
    private static final ObjectMapper M = new ObjectMapper();
    private final ObjectNode rec = M.createObjectNode();
    private final ArrayNode messages;
    private ArrayNode pendingToolMessages = M.createArrayNode();
    private ObjectNode lastAssistant;
    private int ids;

    private TrajectoryBuilder(String model, String task, int trial, double reward) {
        rec.put("model", model);
        rec.put("task", task);
        rec.put("trial", trial);
        rec.put("reward", reward);
        messages = rec.putArray("messages");
    }

    public static TrajectoryBuilder traj(String model, String task, int trial, double reward) {
        return new TrajectoryBuilder(model, task, trial, reward);
    }

    public TrajectoryBuilder system(String text) {
        flush();
        messages.addObject().put("role", "system").put("content", text);
        return this;
    }

    public TrajectoryBuilder user(String text) {
        flush();
        messages.addObject().put("role", "user").put("content", text);
        return this;
    }

    /** An assistant turn with text and no call. */
    public TrajectoryBuilder say(String text) {
        flush();
        messages.addObject().put("role", "assistant").put("content", text);
        return this;
    }

    /** A call in its own assistant turn, its output right after (null output: no tool message). */
    public TrajectoryBuilder call(String name, String argumentsJson, String output) {
        flush();
        lastAssistant = messages.addObject().put("role", "assistant");
        lastAssistant.putNull("content");
        lastAssistant.putArray("tool_calls");
        return also(name, argumentsJson, output);
    }

    /** Another call in the same assistant turn (parallel calls). */
    public TrajectoryBuilder also(String name, String argumentsJson, String output) {
        String id = "call_" + (++ids);
        ObjectNode c = ((ArrayNode) lastAssistant.get("tool_calls")).addObject();
        c.put("id", id).put("type", "function");
        c.putObject("function").put("name", name).put("arguments", argumentsJson);
        if (output != null) {
            pendingToolMessages.addObject().put("role", "tool").put("tool_call_id", id).put("name", name)
                    .put("content", output);
        }
        return this;
    }

    public TrajectoryBuilder gold(String... tools) {
        ArrayNode g = rec.putArray("gold_actions");
        for (String t : tools) {
            g.addObject().put("name", t);
        }
        return this;
    }

    private void flush() {
        messages.addAll(pendingToolMessages);
        pendingToolMessages = M.createArrayNode();
    }

    public String json() {
        flush();
        try {
            return M.writeValueAsString(rec);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Trajectory build() {
        return CanonicalRecord.parse(json(), "test");
    }

    /** A trajectory that only calls these tools, with no arguments, outputs "ok". */
    public static Trajectory tools(String model, String task, int trial, double reward, String... names) {
        TrajectoryBuilder b = traj(model, task, trial, reward);
        for (String n : names) {
            b.call(n, "{}", "ok");
        }
        return b.build();
    }

    public static Set<String> set(String... s) {
        return Set.of(s);
    }
}
