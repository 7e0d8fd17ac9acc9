package io.distillab.core.graph;

import static io.distillab.core.TrajectoryBuilder.traj;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.core.metrics.FeatureCounts;
import io.distillab.core.tools.ToolClasses;
import io.distillab.core.trajectory.Trajectory;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One worked trajectory for SPEC section 2 (edges) and section 3 (S_seq and S_dep counts).
 *
 * <pre>
 * msg  0 system  "You are an airline agent."
 * msg  1 user    "My user id is mia_li_3668."
 * msg  2 c1 get_user_details {user_id: mia_li_3668}  → {"name":"Mia","reservations":["ABC123","XYZ789"],"balance":250}
 * msg  4 c2 get_reservation_details {reservation_id: ABC123}
 *                                   → {"reservation_id":"ABC123","flights":[{"flight_number":"HAT136","date":"2024-05-20"}]}
 * msg  6 c3 search_direct_flight {origin: JFK} → "Error: no flights like HAT136 ABC123"   (an error call)
 * msg  8 assistant "Shall I move you to HAT136?"   (text, no call)
 * msg  9 user    "Yes, keep the date 2024-05-20."
 * msg 10 c4 update_reservation_flights {reservation_id: ABC123, flights: [{flight_number: HAT136, date: 2024-05-20}], amount: 250}
 *                                   → {"status":"ok","reservation_id":"ABC123"}
 * msg 12 c5 calculate {expression: "250 - 100"} → "150.0"   (a JSON number, not an object or array: token rule)
 * msg 14 c6 send_certificate {amount: 150.0, note: "refund HAT136x"} → "Certificate sent"
 * msg 16 c7 get_reservation_details {reservation_id: ABC123} → {...}
 * </pre>
 *
 * Edges, value by value:
 * <ul>
 *   <li>c2 "ABC123": in c1's output as a leaf of the reservations array → c1→c2.</li>
 *   <li>c3 "JFK": in no output → none.</li>
 *   <li>c4 "ABC123": c3 holds it but is an error call (rule 3), c2 is the latest non-error → c2→c4;
 *       "HAT136" likewise → c2→c4 (same edge); "2024-05-20" is in c2's output but the user said it
 *       before c4 (rule 2) → none; "250" (an integer) equals c1's leaf balance 250 → c1→c4.</li>
 *   <li>c5 "250 - 100": nowhere → none.</li>
 *   <li>c6 "150.0": c5's output "150.0" is matched as a whole token → c5→c6; "refund HAT136x": nowhere.</li>
 *   <li>c7 "ABC123": c4's output has the leaf → c4→c7 (c6's "Certificate sent" does not hold it).</li>
 * </ul>
 */
class CandidateEdgesTest {
    static Trajectory worked() {
        return traj("m", "t", 0, 1.0)
                .system("You are an airline agent.")
                .user("My user id is mia_li_3668.")
                .call("get_user_details", "{\"user_id\":\"mia_li_3668\"}",
                        "{\"name\":\"Mia\",\"reservations\":[\"ABC123\",\"XYZ789\"],\"balance\":250}")
                .call("get_reservation_details", "{\"reservation_id\":\"ABC123\"}",
                        "{\"reservation_id\":\"ABC123\",\"flights\":[{\"flight_number\":\"HAT136\",\"date\":\"2024-05-20\"}]}")
                .call("search_direct_flight", "{\"origin\":\"JFK\"}", "Error: no flights like HAT136 ABC123")
                .say("Shall I move you to HAT136?")
                .user("Yes, keep the date 2024-05-20.")
                .call("update_reservation_flights", "{\"reservation_id\":\"ABC123\",\"flights\":[{\"flight_number\":"
                        + "\"HAT136\",\"date\":\"2024-05-20\"}],\"amount\":250}",
                        "{\"status\":\"ok\",\"reservation_id\":\"ABC123\"}")
                .call("calculate", "{\"expression\":\"250 - 100\"}", "150.0")
                .call("send_certificate", "{\"amount\":150.0,\"note\":\"refund HAT136x\"}", "Certificate sent")
                .call("get_reservation_details", "{\"reservation_id\":\"ABC123\"}",
                        "{\"reservation_id\":\"ABC123\",\"flights\":[]}")
                .build();
    }

    @Test
    void candidateEdgesFollowTheThreeRules() {
        Trajectory t = worked();
        assertTrue(t.calls().get(2).error(), "c3's output starts with Error");
        assertEquals(List.of(
                new CandidateEdge(1, 2, "ABC123"),
                new CandidateEdge(2, 4, "ABC123"),
                new CandidateEdge(2, 4, "HAT136"),
                new CandidateEdge(1, 4, "250"),
                new CandidateEdge(5, 6, "150.0"),
                new CandidateEdge(4, 7, "ABC123")), CandidateEdges.of(t));
    }

    @Test
    void graphHoldsEachEdgeOnce() {
        ActionGraph g = ActionGraph.of(worked(), ToolClasses.defaults());
        assertArrayEquals(new int[] {1, 3}, g.dependencyTargets(0)); // c1 → c2, c4
        assertArrayEquals(new int[] {3}, g.dependencyTargets(1));    // c2 → c4 (two values, one edge)
        assertArrayEquals(new int[] {}, g.dependencyTargets(2));
        assertArrayEquals(new int[] {6}, g.dependencyTargets(3));    // c4 → c7
        assertArrayEquals(new int[] {5}, g.dependencyTargets(4));    // c5 → c6
        assertEquals(5, g.dependencyEdgeCount());
    }

    /**
     * Classes: c1, c2, c3, c7 READ; c4, c6 WRITE; c5 GENERIC.
     * <ul>
     *   <li>write-then-verify: non-error writes c4, c6 (den 2); c7 (READ, later) shares ABC123 with c4 → num 1.</li>
     *   <li>pre-write confirmation: writes c4, c6 (den 2). Before c4 the latest READ/WRITE call is c3 (msg 6):
     *       msgs 7..9 hold the assistant's question (8) then the user's answer (9) → confirmed. Before c6 the
     *       latest READ/WRITE call is c4 (c5 is GENERIC): msgs 11..13 hold no such pair → not. num 1.</li>
     *   <li>error retry: one error call c3, followed by c4 of another name → 0/1.</li>
     *   <li>output reuse: non-error calls c1,c2,c4,c5,c6,c7 (6), those with an outgoing edge c1,c2,c4,c5 → 4/6.</li>
     *   <li>chain depth: longest path c1→c2→c4→c7 has 3 edges; n - 1 = 6 → 0.5 (one trajectory).</li>
     *   <li>fan-out: calls with an edge out: c1,c2,c4,c5 (4); with two or more: c1 → 1/4.</li>
     * </ul>
     */
    @Test
    void sequenceAndDependencyCounts() {
        FeatureCounts c = ActionGraph.of(worked(), ToolClasses.defaults()).counts();
        assertArrayEquals(new double[] {0.5, 0.5, 0.0}, c.fSeq(), 1e-15);
        assertArrayEquals(new double[] {4.0 / 6, 0.5, 0.25}, c.fDep(), 1e-15);
        assertEquals(new FeatureCounts(1, 2, 1, 2, 0, 1, 4, 6, 0.5, 1, 1, 4), c);
    }

    @Test
    void errorRetryCountsSameNameNextCall() {
        // c1 fails and is retried by c2 (same name); c2 fails and c3 has another name; c3 fails last.
        Trajectory t = traj("m", "t", 0, 0)
                .call("get_user_details", "{}", "Error: user not found")
                .call("get_user_details", "{}", "  error: still not found")
                .call("think", "{}", "ERROR")
                .build();
        FeatureCounts c = ActionGraph.of(t, ToolClasses.defaults()).counts();
        assertEquals(1, c.retryNum());
        assertEquals(3, c.retryDen());
        // no non-error call: reuse 0/0 = 0; chain depth over one trajectory of 3 calls with no edge: 0
        assertArrayEquals(new double[] {0, 0, 0}, c.fDep(), 0);
    }

    @Test
    void parallelCallsInOneTurnAreNotConfirmedBetweenThem() {
        // a read and a write made in one assistant turn: nothing lies between them
        Trajectory t = traj("m", "t", 0, 1)
                .say("Shall I?").user("yes")
                .call("get_user_details", "{}", "ok").also("cancel_reservation", "{}", "ok")
                .build();
        FeatureCounts c = ActionGraph.of(t, ToolClasses.defaults()).counts();
        assertEquals(0, c.pwcNum());
        assertEquals(1, c.pwcDen());
        // a write with no earlier READ/WRITE call looks back to the start of the chat
        Trajectory first = traj("m", "t", 0, 1).say("Shall I cancel?").user("yes").call("think", "{}", "ok")
                .call("cancel_reservation", "{}", "ok").build();
        assertEquals(1, ActionGraph.of(first, ToolClasses.defaults()).counts().pwcNum());
    }

    @Test
    void tokenMatchNeedsBoundaries() {
        assertTrue(CallOutput.containsToken("id XYZ789 found", "XYZ789"));
        assertFalse(CallOutput.containsToken("id XYZ7890 found", "XYZ789"), "followed by a digit");
        assertFalse(CallOutput.containsToken("ABC-123", "ABC"), "followed by '-'");
        assertFalse(CallOutput.containsToken("my_ABC", "ABC"), "preceded by '_'");
        assertTrue(CallOutput.containsToken("(ABC).", "ABC"));
        assertTrue(CallOutput.containsToken("xABC ABC", "ABC"), "a later occurrence can qualify");
        assertTrue(CallOutput.containsToken("ABC", "ABC"));
        assertTrue(CallOutput.containsToken("café ABC", "ABC"), "a non-ASCII letter is a boundary");
    }

    @Test
    void jsonOutputsMatchWholeLeavesOnly() {
        CallOutput o = CallOutput.of("{\"a\":\"  HAT136 \",\"b\":[\"x HAT999\"],\"n\":1250.0,\"k\":12345}");
        assertTrue(o.isJson());
        assertTrue(o.contains("HAT136"), "leaf trimmed");
        assertFalse(o.contains("HAT999"), "a substring of a leaf is no match");
        assertTrue(o.contains("1250.0"));
        assertTrue(o.contains("12345"));
        assertFalse(CallOutput.of("{\"a\": truncated").isJson(), "truncated JSON is text");
        assertTrue(CallOutput.of("{\"a\": truncated HAT136").contains("HAT136"), "then matched as a token");
    }
}
