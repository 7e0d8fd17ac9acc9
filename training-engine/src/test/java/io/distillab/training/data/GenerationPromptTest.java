package io.distillab.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.core.trajectory.Role;
import io.distillab.core.trajectory.Trajectory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The prompt for an assistant turn stands where that turn stands in the training rendering: it is
 * a prefix of the whole trajectory's rendering, and what follows it there starts with the turn's
 * own text or its first call.
 */
class GenerationPromptTest {
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "qwen3"}) // (Llama 3's template drops the tool calls of tau-bench's turns)
    void aTurnsPromptIsAPrefixOfTheTrainingRendering(String tokenizerName) {
        TrajectoryRenderer renderer = new TrajectoryRenderer(TestData.tokenizer(tokenizerName));
        int checked = 0;
        for (Trajectory t : TestData.sample(6)) {
            String whole = renderer.render(t).text();
            long turns = t.messages().stream().filter(m -> m.role() == Role.ASSISTANT).count();
            for (int turn = 1; turn <= Math.min(turns, 3); turn++) {
                String prompt = renderer.prompt(t, turn);
                String where = tokenizerName + " " + t.source() + " turn " + turn;
                assertTrue(whole.startsWith(prompt), where + ": the prompt is not a prefix of the rendering");
                assertTrue(prompt.length() < whole.length(), where);
                checked++;
            }
            assertThrows(DataException.class, () -> renderer.prompt(t, (int) turns + 1));
            assertThrows(DataException.class, () -> renderer.prompt(t, 0));
        }
        assertTrue(checked > 10);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2"})
    void thePlainFormOpensTheAssistantsTurn(String tokenizerName) {
        Trajectory t = TestData.sample(1).get(0);
        String prompt = new TrajectoryRenderer(TestData.tokenizer(tokenizerName)).prompt(t, 1);
        assertTrue(prompt.endsWith("\n### assistant\n"), prompt);
        assertEquals(prompt + TrajectoryRenderer.plainTurn(t, 1),
                new TrajectoryRenderer(TestData.tokenizer(tokenizerName)).render(t).text()
                        .substring(0, prompt.length() + TrajectoryRenderer.plainTurn(t, 1).length()));
    }
}
