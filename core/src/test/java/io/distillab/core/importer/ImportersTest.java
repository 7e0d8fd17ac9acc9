package io.distillab.core.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.core.trajectory.Role;
import io.distillab.core.trajectory.ToolCall;
import io.distillab.core.trajectory.Trajectory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImportersTest {
    static List<Trajectory> read(String content, String name, TrajectoryFormat f) {
        List<Trajectory> out = new ArrayList<>();
        TrajectoryImporter.importStream(new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)), name, f,
                null, out::add);
        return out;
    }

    static ImportException failure(String content, String name, TrajectoryFormat f) {
        return assertThrows(ImportException.class, () -> read(content, name, f));
    }

    // tau-bench: the id "call_A" is used twice, as gpt-4o's real runs do; each call takes the first
    // unclaimed answer after it with its id.
    static final String TAU = """
            [{"task_id": 3, "trial": 1, "reward": 1.0,
              "info": {"task": {"actions": [{"name": "cancel_reservation", "kwargs": {}}]}},
              "traj": [
                {"role": "system", "content": "policy"},
                {"role": "user", "content": "cancel ABC123"},
                {"role": "assistant", "content": null, "tool_calls": [
                   {"id": "call_A", "type": "function", "function": {"name": "get_reservation_details", "arguments": "{\\"reservation_id\\": \\"ABC123\\"}"}}]},
                {"role": "tool", "tool_call_id": "call_A", "name": "get_reservation_details", "content": "{\\"status\\": \\"ok\\"}"},
                {"role": "assistant", "content": "Cancel it?"},
                {"role": "user", "content": "yes"},
                {"role": "assistant", "content": null, "tool_calls": [
                   {"id": "call_A", "type": "function", "function": {"name": "cancel_reservation", "arguments": "{\\"reservation_id\\": \\"ABC123\\"}"}}]},
                {"role": "tool", "tool_call_id": "call_A", "name": "cancel_reservation", "content": "Error: already cancelled"}
              ]}]
            """;

    @Test
    void tauBench() {
        List<Trajectory> ts = read(TAU, "runs/gpt-4o-airline.json", TrajectoryFormat.TAU_BENCH);
        assertEquals(1, ts.size());
        Trajectory t = ts.get(0);
        assertEquals("gpt-4o", t.model());
        assertEquals("3", t.task());
        assertEquals(1, t.trial());
        assertTrue(t.success(1.0));
        assertEquals(Set.of("cancel_reservation"), t.goldTools());
        List<ToolCall> c = t.calls();
        assertEquals(2, c.size());
        assertEquals("{\"status\": \"ok\"}", c.get(0).output());
        assertFalse(c.get(0).error());
        assertEquals("ABC123", c.get(0).arguments().get("reservation_id").asText(), "arguments string parsed");
        assertEquals("Error: already cancelled", c.get(1).output());
        assertTrue(c.get(1).error());
        assertEquals(2, c.get(1).index());
        assertEquals(Role.ASSISTANT, t.messages().get(c.get(1).messageIndex()).role());
    }

    @Test
    void canonicalRecordRoundTrips() {
        Trajectory t = read(TAU, "gpt-4o-airline.json", TrajectoryFormat.TAU_BENCH).get(0);
        Trajectory back = CanonicalRecord.parse(CanonicalRecord.toJsonString(t), "db");
        assertEquals(t.model(), back.model());
        assertEquals(t.task(), back.task());
        assertEquals(t.goldTools(), back.goldTools());
        assertEquals(t.calls().size(), back.calls().size());
        for (int i = 0; i < t.calls().size(); i++) {
            assertEquals(t.calls().get(i).name(), back.calls().get(i).name());
            assertEquals(t.calls().get(i).arguments(), back.calls().get(i).arguments());
            assertEquals(t.calls().get(i).output(), back.calls().get(i).output());
            assertEquals(t.calls().get(i).error(), back.calls().get(i).error());
        }
    }

    @Test
    void badTauBenchInputNamesFileRecordAndField() {
        String two = "[" + TAU.strip().substring(1, TAU.strip().length() - 1) + ",";
        ImportException e = failure(two + "{\"task_id\": 1, \"trial\": 0, \"traj\": []}]", "x.json",
                TrajectoryFormat.TAU_BENCH);
        assertEquals("x.json: record 1: field 'reward': missing", e.getMessage());
        e = failure("[{\"task_id\": 1, \"trial\": \"zero\", \"reward\": 1, \"traj\": []}]", "x.json",
                TrajectoryFormat.TAU_BENCH);
        assertEquals("x.json: record 0: field 'trial': expected an integer, found a string", e.getMessage());
        e = failure("[{\"task_id\": 1, \"trial\": 0, \"reward\": 1, \"traj\": [{\"role\": \"tool\", "
                + "\"tool_call_id\": \"c9\", \"content\": \"x\"}]}]", "x.json", TrajectoryFormat.TAU_BENCH);
        assertEquals("record 0", e.record());
        assertEquals("traj[0]", e.field());
        assertTrue(e.getMessage().contains("tool message with no call"), e.getMessage());
        e = failure("[{\"task_id\": 1, \"trial\": 0, \"reward\": 1, \"traj\": [{\"role\": \"assistant\", "
                + "\"tool_calls\": [{\"id\": \"a\", \"function\": {\"name\": \"f\", \"arguments\": \"{oops\"}}]}]}]",
                "x.json", TrajectoryFormat.TAU_BENCH);
        assertEquals("traj[0].tool_calls[0].function.arguments", e.field());
        e = failure("[{\"task_id\": 1, \"trial\": 0, \"reward\": 1, \"traj\": [{\"role\": \"assistant\", "
                + "\"tool_calls\": [{\"id\": \"a\", \"function\": {\"name\": \"f\", \"arguments\": \"[1]\"}}]}]}]",
                "x.json", TrajectoryFormat.TAU_BENCH);
        assertTrue(e.getMessage().endsWith("expected a JSON object, found an array"), e.getMessage());
        e = failure("[{\"task_id\": 1, \"trial\": 0, \"reward\": 1, \"traj\": [] }, {\"task_id\": ", "x.json",
                TrajectoryFormat.TAU_BENCH);
        assertEquals("record 1", e.record());
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        e = failure("{\"simulations\": []}", "x.json", TrajectoryFormat.TAU_BENCH);
        assertTrue(e.getMessage().startsWith("x.json: not a tau-bench results file"), e.getMessage());
    }

    @Test
    void anOutputWithoutIdGoesToTheNextCallStillWaiting() {
        // two parallel calls, a with id "a", b with id "b"; answers: b's by id, then one without an id
        String rec = "[{\"task_id\": 1, \"trial\": 0, \"reward\": 1, \"traj\": ["
                + "{\"role\": \"assistant\", \"tool_calls\": ["
                + "{\"id\": \"a\", \"function\": {\"name\": \"fa\", \"arguments\": \"{}\"}},"
                + "{\"id\": \"b\", \"function\": {\"name\": \"fb\", \"arguments\": \"{}\"}}]},"
                + "{\"role\": \"tool\", \"tool_call_id\": \"b\", \"content\": \"for b\"},"
                + "{\"role\": \"tool\", \"content\": \"for a\"}]}]";
        Trajectory t = read(rec, "m.json", TrajectoryFormat.TAU_BENCH).get(0);
        assertEquals("for a", t.calls().get(0).output());
        assertEquals("for b", t.calls().get(1).output());
    }

    static final String TAU2 = """
            {"info": {"agent_info": {"llm": "claude-sonnet-4-5"}},
             "tasks": [{"id": "t7", "evaluation_criteria": {"actions": [{"name": "book_reservation"}]}}],
             "simulations": [{"task_id": "t7", "trial": 2, "reward_info": {"reward": 0.0},
               "messages": [
                 {"role": "user", "content": "my phone is broken", "tool_calls": [
                    {"id": "u1", "name": "toggle_airplane_mode", "arguments": {}, "requestor": "user"}]},
                 {"role": "tool", "id": "u1", "content": "done", "requestor": "user"},
                 {"role": "assistant", "content": "Let me look.", "tool_calls": [
                    {"id": "x1", "name": "get_user_details", "arguments": {"user_id": "abc_123"}, "requestor": "assistant"}]},
                 {"role": "tool", "id": "x1", "content": "user not found", "error": true, "requestor": "assistant"}
               ]}]}
            """;

    @Test
    void tau2() {
        Trajectory t = read(TAU2, "sim.json", TrajectoryFormat.TAU2).get(0);
        assertEquals("claude-sonnet-4-5", t.model());
        assertEquals("t7", t.task());
        assertEquals(2, t.trial());
        assertEquals(Set.of("book_reservation"), t.goldTools());
        assertEquals(1, t.calls().size(), "the user's own tool call is not the agent's");
        assertEquals("get_user_details", t.calls().get(0).name());
        assertTrue(t.calls().get(0).error(), "tau2's error flag, though the text does not start with Error");
        assertEquals("abc_123", t.calls().get(0).arguments().get("user_id").asText());
        ImportException e = failure("{\"info\": {}}", "sim.json", TrajectoryFormat.TAU2);
        assertEquals("sim.json: field 'simulations': missing", e.getMessage());
        e = failure("{\"simulations\": [{\"task_id\": \"a\", \"trial\": 0, \"messages\": []}]}", "sim.json",
                TrajectoryFormat.TAU2);
        assertEquals("sim.json: simulation 0: field 'reward_info': missing", e.getMessage());
    }

    @Test
    void chatJsonl() {
        String jsonl = "{\"model\": \"m1\", \"task\": 5, \"trial\": 0, \"reward\": 0.5, \"messages\": ["
                + "{\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"1\", \"type\": \"function\","
                + " \"function\": {\"name\": \"f\", \"arguments\": {\"q\": \"abc\"}}}]},"
                + "{\"role\": \"tool\", \"tool_call_id\": \"1\", \"content\": \"ERROR 500\"}]}\n\n"
                + "{\"model\": \"m2\", \"task\": \"5\", \"trial\": 1, \"reward\": 1, \"messages\": []}\n";
        List<Trajectory> ts = read(jsonl, "runs.jsonl", TrajectoryFormat.CHAT_JSONL);
        assertEquals(2, ts.size());
        assertEquals("m1", ts.get(0).model());
        assertEquals("5", ts.get(0).task());
        assertTrue(ts.get(0).calls().get(0).error());
        assertEquals("m2", ts.get(1).model());
        ImportException e = failure(jsonl + "{\"model\": \"m3\", \"task\": 1, \"trial\": 0, \"reward\": 1}\n",
                "runs.jsonl", TrajectoryFormat.CHAT_JSONL);
        assertEquals("runs.jsonl: line 4: field 'messages': missing", e.getMessage());
        e = failure("{\"model\": 1}\n", "runs.jsonl", TrajectoryFormat.CHAT_JSONL);
        assertEquals("runs.jsonl: line 1: field 'model': expected a string, found a number", e.getMessage());
        e = failure("not json\n", "runs.jsonl", TrajectoryFormat.CHAT_JSONL);
        assertTrue(e.getMessage().startsWith("runs.jsonl: line 1: not JSON"), e.getMessage());
    }

    @Test
    void modelNamesFromFileNames() {
        assertEquals("gpt-4o", ModelNames.fromTauBenchFile("gpt-4o-airline.json"));
        assertEquals("airline", ModelNames.tauBenchDomain("gpt-4o-airline.json"));
        assertEquals("my-model", ModelNames.fromTauBenchFile("/a/b/my-model.json"));
        assertNull(ModelNames.tauBenchDomain("my-model.json"));
        assertEquals("ChatGPT_DFS_woFilter_w2", ModelNames.fromToolBenchFile("10_ChatGPT_DFS_woFilter_w2.json"));
        assertTrue(ModelNames.isToolBenchAnswerFile("10_ChatGPT_DFS_woFilter_w2.json"));
        assertFalse(ModelNames.isToolBenchAnswerFile("notes.json"));
    }

    @Test
    void formatNames() {
        assertEquals(TrajectoryFormat.TAU2, TrajectoryFormat.fromName("tau2"));
        assertEquals(TrajectoryFormat.CHAT_JSONL, TrajectoryFormat.fromName("chat-jsonl"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrajectoryFormat.fromName("csv"));
        assertTrue(e.getMessage().contains("tau-bench, tau2, toolbench, chat-jsonl"));
    }
}
