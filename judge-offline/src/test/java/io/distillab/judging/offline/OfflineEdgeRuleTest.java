package io.distillab.judging.offline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.core.judge.JudgeClient.Call;
import io.distillab.core.judge.JudgeClient.ChatMessage;
import io.distillab.core.judge.JudgeClient.EdgeQuestion;
import io.distillab.judging.EdgeVerdict;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OfflineEdgeRuleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER_OUTPUT = "{\"user_id\": \"mia_li_3668\", \"reservations\": [\"NO6JO3\", \"AIXC49\"]}";
    private final OfflineEdgeRule rule = new OfflineEdgeRule();

    /** get_user_details(mia_li_3668) -> output; then get_reservation_details(value), after the messages given. */
    private static EdgeQuestion edge(String value, String output, List<ChatMessage> before) throws Exception {
        List<ChatMessage> all = new ArrayList<>(before);
        all.add(new ChatMessage("tool", output));
        return new EdgeQuestion(value,
                new Call("get_user_details", JSON.readTree("{\"user_id\":\"mia_li_3668\"}"), output),
                new Call("get_reservation_details", JSON.readTree("{\"reservation_id\":\"" + value + "\"}"), null), all);
    }

    @Test
    void valueFirstRevealedByTheSourceOutputIsGenuine() throws Exception {
        OfflineEdgeRule.Decision d = rule.validate(edge("NO6JO3", USER_OUTPUT,
                List.of(new ChatMessage("user", "Please cancel my latest reservation."))));
        assertEquals(EdgeVerdict.GENUINE, d.verdict());
        assertTrue(d.reason().startsWith("Offline judge"));
    }

    @Test
    void valueTheUserGaveIsPriorKnowledgeEvenWhenTheOutputHasIt() throws Exception {
        OfflineEdgeRule.Decision d = rule.validate(edge("NO6JO3", USER_OUTPUT,
                List.of(new ChatMessage("system", "You are an airline agent."),
                        new ChatMessage("user", "I want to cancel reservation NO6JO3."))));
        assertEquals(EdgeVerdict.PRIOR_KNOWLEDGE, d.verdict());
    }

    @Test
    void valueTheSourceWasCalledWithIsAnEchoNotItsOutput() throws Exception {
        // the user id is in get_user_details' output only because the call was given it
        OfflineEdgeRule.Decision d = rule.validate(edge("mia_li_3668", USER_OUTPUT, List.of()));
        assertEquals(EdgeVerdict.PRIOR_KNOWLEDGE, d.verdict());
        assertTrue(d.reason().contains("echoed"), d.reason());
    }

    @Test
    void valueTheAssistantWroteBeforeTheSourceReturnedIsPriorKnowledge() throws Exception {
        OfflineEdgeRule.Decision d = rule.validate(edge("AIXC49", USER_OUTPUT,
                List.of(new ChatMessage("assistant", "Is your reservation AIXC49?"))));
        assertEquals(EdgeVerdict.PRIOR_KNOWLEDGE, d.verdict());
        assertTrue(d.reason().contains("assistant"), d.reason());
    }

    @Test
    void valueAnEarlierToolOutputRevealedIsPriorKnowledgeForTheLaterSource() throws Exception {
        OfflineEdgeRule.Decision d = rule.validate(edge("AIXC49", USER_OUTPUT,
                List.of(new ChatMessage("tool", "Reservations found: AIXC49."))));
        assertEquals(EdgeVerdict.PRIOR_KNOWLEDGE, d.verdict());
    }

    @Test
    void theAssistantRepeatingTheValueAfterTheOutputKeepsItGenuine() throws Exception {
        EdgeQuestion q = edge("AIXC49", USER_OUTPUT, List.of());
        List<ChatMessage> after = new ArrayList<>(q.messagesBefore());
        after.add(new ChatMessage("assistant", "I see reservations NO6JO3 and AIXC49."));
        OfflineEdgeRule.Decision d = rule.validate(new EdgeQuestion(q.value(), q.source(), q.target(), after));
        assertEquals(EdgeVerdict.GENUINE, d.verdict());
    }

    @Test
    void plainTextOutputsMatchWholeTokensOnly() throws Exception {
        assertEquals(EdgeVerdict.GENUINE, rule.validate(edge("HAT001", "Flights found: HAT001, HAT002.", List.of())).verdict());
        // "HAT00" is inside "HAT001" but not a whole token of it
        assertNull(rule.validate(edge("HAT00", "Flights found: HAT001.", List.of())).verdict());
    }

    @Test
    void valueNotInTheOutputIsNoCandidateAndHasNoVerdict() throws Exception {
        OfflineEdgeRule.Decision d = rule.validate(edge("ZZZ999", USER_OUTPUT, List.of()));
        assertNull(d.verdict());
        assertTrue(d.reason().contains("not a candidate edge"), d.reason());
    }
}
