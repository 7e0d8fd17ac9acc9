package io.distillab.training.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class StudentTurnTest {
    @Test
    void thePlainFormsActionLinesAreCalls() {
        StudentTurn t = StudentTurn.parse("Let me look.\nAction: search\nAction Input: {\"to\": \"CDG\"}\n"
                + "Action: book\nAction Input: {\"id\": 3}");
        assertEquals("Let me look.", t.text());
        assertEquals(2, t.calls().size());
        assertEquals("search", t.calls().get(0).name());
        assertEquals("CDG", t.calls().get(0).arguments().get("to").asText());
        assertEquals(3, t.calls().get(1).arguments().get("id").asInt());
    }

    @Test
    void qwensTaggedCallsAreCalls() {
        StudentTurn t = StudentTurn.parse("<think>\n\n</think>\n\nSure.\n<tool_call>\n{\"name\": \"search\", "
                + "\"arguments\": {\"to\": \"CDG\"}}\n</tool_call>");
        assertEquals(1, t.calls().size());
        assertEquals("search", t.calls().get(0).name());
        assertEquals("CDG", t.calls().get(0).arguments().get("to").asText());
        assertEquals("<think>\n\n</think>\n\nSure.", t.text());
        // cut short by the token budget: the name is read, the arguments are not JSON
        StudentTurn cut = StudentTurn.parse("<tool_call>\n{\"name\": \"search\", \"argu");
        assertEquals(1, cut.calls().size());
        assertEquals("", cut.calls().get(0).name(), "the object does not parse, so not even its name counts");
    }

    @Test
    void brokenArgumentsAreNullAndTextWithoutCallsIsAnAnswer() {
        StudentTurn t = StudentTurn.parse("Action: search\nAction Input: {\"to\": ");
        assertEquals("search", t.calls().get(0).name());
        assertNull(t.calls().get(0).arguments());
        assertEquals(0, StudentTurn.parse("Your flight leaves at 9:00.").calls().size());
    }
}
