package io.distillab.judge.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.judge.edge.EdgeAnswerParser;
import io.distillab.judging.EdgeVerdict;
import io.distillab.judge.rps.RpsAnswer;
import io.distillab.judge.rps.RpsAnswerParser;
import io.distillab.judging.Stage;
import io.distillab.judge.stage.StageAnswerParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AnswerParsersTest {

    @Test
    void readsAValidRpsAnswer() {
        RpsAnswer a = RpsAnswerParser.parse("{\"style\": 4, \"structure\": 2, \"alignment\": 5, \"reason\": \"Close.\"}");
        assertEquals(new RpsAnswer(4, 2, 5, "Close."), a);
        assertEquals(11 / 3.0, a.overall(), 1e-12);
    }

    @Test
    void acceptsOneMarkdownFenceAroundTheObject() {
        assertEquals(Stage.VERIFICATION,
                StageAnswerParser.parse("```json\n{\"stage\": \"verification\", \"reason\": \"Asks for consent.\"}\n```").stage());
        assertEquals(EdgeVerdict.PRIOR_KNOWLEDGE,
                EdgeAnswerParser.parse("```\n{\"verdict\": \"prior_knowledge\", \"reason\": \"The user said it.\"}\n```").verdict());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "The scores are 4, 3 and 5.",
        "[1, 2, 3]",
        "{\"style\": 4, \"structure\": 3, \"alignment\": 5}",
        "{\"style\": 6, \"structure\": 3, \"alignment\": 5, \"reason\": \"x\"}",
        "{\"style\": 0, \"structure\": 3, \"alignment\": 5, \"reason\": \"x\"}",
        "{\"style\": 4.0, \"structure\": 3, \"alignment\": 5, \"reason\": \"x\"}",
        "{\"style\": \"4\", \"structure\": 3, \"alignment\": 5, \"reason\": \"x\"}",
        "{\"style\": 4, \"structure\": 3, \"alignment\": 5, \"reason\": \"\"}",
        "{\"style\": 4, \"structure\": 3, \"alignment\": 5, \"reason\": \"x\"} and more",
    })
    void rejectsAnythingElseSayingWhy(String answer) {
        MalformedAnswerException e = assertThrows(MalformedAnswerException.class, () -> RpsAnswerParser.parse(answer));
        assertTrue(!e.getMessage().isBlank());
    }

    @Test
    void errorsNameTheField() {
        assertTrue(assertThrows(MalformedAnswerException.class,
                () -> StageAnswerParser.parse("{\"stage\": \"closing\", \"reason\": \"x\"}")).getMessage().contains("\"stage\""));
        assertTrue(assertThrows(MalformedAnswerException.class,
                () -> RpsAnswerParser.parse("{\"style\": 9, \"structure\": 3, \"alignment\": 5, \"reason\": \"x\"}"))
                .getMessage().contains("\"style\" must be an integer from 1 to 5"));
    }
}
