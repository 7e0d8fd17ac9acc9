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

    /**
     * SPEC section 1's pairing, every rule at once. Messages (m0..m8) and the outputs they must give:
     * <pre>
     * m0 assistant  c1 id a, c2 id b, c3 id d
     * m1 tool b  "B1"      pass 1: c2 (first untaken b after m0)
     * m2 tool -  "N1"      pass 2: c3 (d has no answer; first untaken id-less message after m0)
     * m3 tool a  "A1"      pass 1: c1 (first untaken a after m0)
     * m4 assistant  c4 id c, c5 id a
     * m5 tool zz "Z1"      pass 2: c4 (c has no answer; "zz" names no call, so it counts as id-less)
     * m6 tool a  "A2"      pass 1: c5 (A1 is before m4 and taken: the first untaken a after m4)
     * m7 assistant  c6 id e                       no tool message left after it: no output, no error
     * </pre>
     * A naive "next tool message" pairing would give c1 "B1"; "first a anywhere" would give c5 "A1".
     */
    static final String PAIRING = "[{\"task_id\": 1, \"trial\": 0, \"reward\": 1, \"traj\": ["
            + "{\"role\": \"assistant\", \"tool_calls\": [" + call("a", "f1") + "," + call("b", "f2") + ","
            + call("d", "f3") + "]},"
            + "{\"role\": \"tool\", \"tool_call_id\": \"b\", \"content\": \"B1\"},"
            + "{\"role\": \"tool\", \"content\": \"N1\"},"
            + "{\"role\": \"tool\", \"tool_call_id\": \"a\", \"content\": \"A1\"},"
            + "{\"role\": \"assistant\", \"tool_calls\": [" + call("c", "f4") + "," + call("a", "f5") + "]},"
            + "{\"role\": \"tool\", \"tool_call_id\": \"zz\", \"content\": \"Z1\"},"
            + "{\"role\": \"tool\", \"tool_call_id\": \"a\", \"content\": \"A2\"},"
            + "{\"role\": \"assistant\", \"tool_calls\": [" + call("e", "f6") + "]}";

    private static String call(String id, String name) {
        return "{\"id\": \"" + id + "\", \"type\": \"function\", \"function\": {\"name\": \"" + name
                + "\", \"arguments\": \"{}\"}}";
    }

    @Test
    void pairingTakesIdsFirstThenIdlessMessagesAfterTheCall() {
        Trajectory t = read(PAIRING + "]}]", "m.json", TrajectoryFormat.TAU_BENCH).get(0);
        assertEquals(java.util.Arrays.asList("A1", "B1", "N1", "Z1", "A2", null),
                t.calls().stream().map(ToolCall::output).toList());
        assertFalse(t.calls().get(5).error(), "a call with no output is not an error");
    }

    @Test
    void aToolMessageLeftOverIsBadInput() {
        // One more answer with id a at the end (m8): c1 and c5 have theirs, and c6 (id e) may only take an
        // id-less message or one whose id names no call, which "a" does not; so m8 is left over.
        ImportException e = failure(PAIRING + ",{\"role\": \"tool\", \"tool_call_id\": \"a\", \"content\": \"A3\"}]}]",
                "m.json", TrajectoryFormat.TAU_BENCH);
        assertEquals("m.json: record 0: field 'traj[8]': tool message with no call (every call with id 'a' before it has its output)",
                e.getMessage());
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

    /** A tau2 results file in its bare-list shape, as public tau2 leaderboard submissions have it. */
    static String tau2BareList() {
        try (var in = ImportersTest.class.getResourceAsStream("/tau2/gpt-4.1-mini-airline.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void tau2BareListWithANullTrial() {
        List<Trajectory> ts = read(tau2BareList(), "gpt-4.1-mini-airline.json", TrajectoryFormat.TAU2);
        assertEquals(2, ts.size());
        Trajectory first = ts.get(0);
        assertEquals("gpt-4.1-mini", first.model(), "no info.agent_info: the model comes from the file name");
        assertEquals("0", first.task());
        assertEquals(0, first.trial(), "trial null is trial 0");
        assertEquals(1, ts.get(1).trial());
        assertNull(first.goldTools(), "a bare list has no tasks[], so no gold");
        assertEquals(List.of("get_reservation_details", "cancel_reservation"),
                first.calls().stream().map(ToolCall::name).toList());
        assertEquals("{\"reservation_id\": \"EHGLP3\", \"status\": \"cancelled\"}", first.calls().get(1).output());
        List<ToolCall> second = ts.get(1).calls();
        assertTrue(second.get(0).error());
        assertFalse(second.get(1).error());
        assertEquals(0.0, ts.get(1).reward());
        // the same simulations inside tau2's object shape import to the same trajectories
        String wrapped = "{\"info\": {\"agent_info\": {\"llm\": \"gpt-4.1-mini\"}}, \"simulations\": "
                + tau2BareList() + "}";
        List<Trajectory> fromObject = read(wrapped, "results.json", TrajectoryFormat.TAU2);
        for (int i = 0; i < ts.size(); i++) {
            assertEquals(ts.get(i).model(), fromObject.get(i).model());
            assertEquals(ts.get(i).trial(), fromObject.get(i).trial());
            assertEquals(ts.get(i).calls(), fromObject.get(i).calls());
        }
        ImportException e = failure("[{\"task_id\": \"0\", \"reward_info\": {\"reward\": 1}, \"messages\": []}]",
                "x.json", TrajectoryFormat.TAU2);
        assertEquals("x.json: simulation 0: field 'trial': missing", e.getMessage(), "absent is not null");
    }

    @Test
    void detectionTellsBothTau2ShapesFromTauBench(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path bare = java.nio.file.Files.writeString(dir.resolve("bare.json"), tau2BareList());
        java.nio.file.Path object = java.nio.file.Files.writeString(dir.resolve("object.json"), TAU2);
        java.nio.file.Path tau = java.nio.file.Files.writeString(dir.resolve("tau.json"), TAU);
        // a tau-bench record whose first fields hold a 100 kB value and a "messages" text: only field names count
        java.nio.file.Path longFirst = java.nio.file.Files.writeString(dir.resolve("long.json"),
                "[{\"task_id\": 1, \"info\": {\"note\": \"" + "x".repeat(100_000) + " \\\"messages\\\"\"}, "
                        + TAU.strip().substring(2));
        assertEquals(TrajectoryFormat.TAU2, TrajectoryImporter.detect(bare));
        assertEquals(TrajectoryFormat.TAU2, TrajectoryImporter.detect(object));
        assertEquals(TrajectoryFormat.TAU_BENCH, TrajectoryImporter.detect(tau));
        assertEquals(TrajectoryFormat.TAU_BENCH, TrajectoryImporter.detect(longFirst));
        List<Trajectory> ts = new ArrayList<>();
        ImportReport r = TrajectoryImporter.importPath(bare, null, null, ts::add);
        assertEquals(TrajectoryFormat.TAU2, r.format());
        assertEquals(2, ts.size());
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
