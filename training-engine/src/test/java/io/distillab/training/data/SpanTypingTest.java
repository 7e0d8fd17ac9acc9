package io.distillab.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.distillab.core.trajectory.Message;
import io.distillab.core.trajectory.Role;
import io.distillab.core.trajectory.ToolCall;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.training.loss.SpanType;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SPEC 7's span types on bundled data (the first 12 tau-bench trajectories and every ToolBench
 * one), for the plain form (GPT-2) and the Qwen3 chat template. The texts are located in the
 * rendering independently of the renderer: each message's text, each call's name and argument
 * object are searched in order with {@code indexOf} (arguments by brace matching after the name).
 */
class SpanTypingTest {
    private static final int CONTEXT = 512;

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "qwen3"})
    void textsAreTypedAsSpecSays(String tokenizerName) {
        Tokenizer tokenizer = TestData.tokenizer(tokenizerName);
        TrajectoryRenderer renderer = new TrajectoryRenderer(tokenizer);
        for (Trajectory t : TestData.sample(12)) {
            TypedText typed = renderer.render(t);
            TokenizedSequence seq = TokenizedSequence.of(typed, tokenizer, t.calls().size(), t.source());
            String text = typed.text();
            String where = tokenizerName + " " + t.source();

            assertEquals(text, tokenizer.decode(seq.ids()), where + ": decoded tokens give back the rendering");

            int cursor = 0;
            for (Message m : t.messages()) {
                String body = m.text() == null ? "" : m.text().strip();
                if (!body.isEmpty()) {
                    int at = text.indexOf(body, cursor);
                    assertTrue(at >= 0, where + ": text of a " + m.role() + " message not found in order");
                    SpanType expected = switch (m.role()) {
                        case ASSISTANT -> SpanType.REASON;
                        case USER, TOOL -> SpanType.OBSERVATION;
                        case SYSTEM -> SpanType.OTHER;
                    };
                    assertAll(typed, at, at + body.length(), expected, where + " " + m.role() + " text");
                    if (m.role() == Role.USER || m.role() == Role.TOOL) {
                        noLabelledTokenReaches(seq, at, at + body.length(), where);
                    }
                    cursor = at + body.length();
                }
                int lastArgsEnd = -1;
                for (ToolCall c : m.calls()) {
                    int name = text.indexOf(c.name(), cursor);
                    assertTrue(name >= 0, where + ": call " + c.name() + " not found in order");
                    assertAll(typed, name, name + c.name().length(), SpanType.ACTION, where + " call name");
                    int open = text.indexOf('{', name + c.name().length());
                    int close = matchingBrace(text, open);
                    assertAll(typed, open, close + 1, SpanType.ACTION, where + " arguments of " + c.name());
                    cursor = close + 1;
                    lastArgsEnd = cursor;
                }
                if (lastArgsEnd >= 0) {
                    endOfTurnIsAnActionLabel(tokenizerName, seq, text, lastArgsEnd, where);
                }
            }
            // No OBSERVATION or OTHER token is predicted with a label: the label of position i is
            // token i+1 when that token is REASON or ACTION (SPEC 7), here over the rows as packed.
            PackedRows rows = PackedRows.pack(List.of(seq), CONTEXT, false);
            for (int i = 0; i + 1 < rows.tokens().length; i++) {
                if (rows.labelled(i)) {
                    byte next = rows.spans()[i + 1];
                    assertTrue(next == SpanType.REASON.code() || next == SpanType.ACTION.code(), where);
                }
            }
        }
    }

    /** The token that ends the assistant turn after its last call is ACTION, and not the first of its window. */
    private static void endOfTurnIsAnActionLabel(String tokenizerName, TokenizedSequence seq, String text,
                                                 int argsEnd, String where) {
        String marker = tokenizerName.equals("qwen3") ? "<|im_end|>" : "\n";
        int at = text.indexOf(marker, argsEnd);
        int k = tokenStartingAt(seq, at);
        assertTrue(k > 0, where + ": no token starts at the end-of-turn marker " + at);
        assertEquals(SpanType.ACTION.code(), seq.types()[k], where + ": end-of-turn marker after tool calls");
    }

    private static int tokenStartingAt(TokenizedSequence seq, int at) {
        for (int k = 0; k < seq.starts().length; k++) {
            if (seq.starts()[k] == at) {
                return k;
            }
        }
        return -1;
    }

    /** No REASON/ACTION token (one that would carry a label) covers a character of an observation. */
    private static void noLabelledTokenReaches(TokenizedSequence seq, int from, int to, String where) {
        int[] s = seq.starts();
        for (int k = 0; k < s.length; k++) {
            int end = k + 1 < s.length ? s[k + 1] : seq.rendered().text().length();
            boolean overlaps = s[k] < to && end > from;
            if (overlaps && (seq.types()[k] == SpanType.REASON.code() || seq.types()[k] == SpanType.ACTION.code())) {
                fail(where + ": token " + k + " typed " + SpanType.values()[seq.types()[k]]
                        + " covers observation characters " + from + ".." + to);
            }
        }
    }

    private static void assertAll(TypedText typed, int from, int to, SpanType expected, String what) {
        for (int i = from; i < to; i++) {
            if (typed.types()[i] != expected.code()) {
                fail(what + ": character " + i + " '" + typed.text().charAt(i) + "' is " + typed.typeAt(i)
                        + ", expected " + expected + " (context: "
                        + typed.text().substring(Math.max(0, i - 30), Math.min(typed.text().length(), i + 30))
                        .replace("\n", "\\n") + ")");
            }
        }
    }

    private static int matchingBrace(String s, int open) {
        assertFalse(open < 0, "no argument object");
        int depth = 0;
        boolean inString = false;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        throw new AssertionError("unbalanced argument object at " + open);
    }
}
