package io.distillab.judge.offline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.judge.edge.ChatMessageInput;
import io.distillab.judge.edge.EdgeAnswer;
import io.distillab.judge.edge.EdgeRequest;
import io.distillab.judge.edge.EdgeVerdict;
import io.distillab.judge.edge.ToolCallInput;
import io.distillab.judge.judgment.JudgmentFailedException;
import java.util.List;
import org.junit.jupiter.api.Test;

class OfflineEdgeRuleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final OfflineEdgeRule rule = new OfflineEdgeRule();

    private static EdgeRequest edge(String value, String output, List<ChatMessageInput> before) throws Exception {
        return new EdgeRequest(value,
                new ToolCallInput("get_user_details", JSON.readTree("{\"user_id\":\"mia_li_3668\"}"), output),
                new ToolCallInput("get_reservation_details", JSON.readTree("{\"reservation_id\":\"" + value + "\"}"), null),
                before, null);
    }

    @Test
    void valueFromTheJsonOutputIsGenuine() throws Exception {
        EdgeAnswer a = rule.validate(edge("NO6JO3", "{\"reservations\": [\"NO6JO3\", \"AIXC49\"]}",
                List.of(new ChatMessageInput("user", "Please cancel my latest reservation."))));
        assertEquals(EdgeVerdict.GENUINE, a.verdict());
        assertTrue(a.reason().startsWith("Offline judge"));
    }

    @Test
    void valueTheUserGaveIsPriorKnowledgeEvenWhenTheOutputHasIt() throws Exception {
        EdgeAnswer a = rule.validate(edge("NO6JO3", "{\"reservations\": [\"NO6JO3\"]}",
                List.of(new ChatMessageInput("system", "You are an airline agent."),
                        new ChatMessageInput("user", "I want to cancel reservation NO6JO3."))));
        assertEquals(EdgeVerdict.PRIOR_KNOWLEDGE, a.verdict());
    }

    @Test
    void onlySystemAndUserMessagesCountAsPriorKnowledge() throws Exception {
        // An earlier assistant or tool message holding the value does not make it a priori knowledge.
        EdgeAnswer a = rule.validate(edge("NO6JO3", "{\"reservations\": [\"NO6JO3\"]}",
                List.of(new ChatMessageInput("assistant", "You have reservation NO6JO3."),
                        new ChatMessageInput("tool", "{\"reservations\": [\"NO6JO3\"]}"))));
        assertEquals(EdgeVerdict.GENUINE, a.verdict());
    }

    @Test
    void plainTextOutputsMatchWholeTokensOnly() throws Exception {
        assertEquals(EdgeVerdict.GENUINE,
                rule.validate(edge("HAT001", "Flights found: HAT001, HAT002.", List.of())).verdict());
        // "HAT00" is inside "HAT001" but not a whole token of it
        assertThrows(JudgmentFailedException.class, () -> rule.validate(edge("HAT00", "Flights found: HAT001.", List.of())));
    }

    @Test
    void valueNotInTheOutputIsNoCandidateAndFails() throws Exception {
        JudgmentFailedException e = assertThrows(JudgmentFailedException.class,
                () -> rule.validate(edge("ZZZ999", "{\"reservations\": [\"NO6JO3\"]}", List.of())));
        assertTrue(e.getMessage().contains("not a candidate edge"), e.getMessage());
    }
}
