package io.distillab.judge.stage;

import io.distillab.judging.Stage;
import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.judge.provider.AnswerJson;
import io.distillab.judge.provider.MalformedAnswerException;

/** Validates an LLM's stage answer: {@code {"stage": one of the five, "reason": "..."}}. */
public final class StageAnswerParser {
    private StageAnswerParser() {
    }

    public static StageAnswer parse(String answer) {
        JsonNode json = AnswerJson.object(answer);
        String stage = AnswerJson.text(json, "stage");
        return new StageAnswer(Stage.parse(stage).orElseThrow(() -> new MalformedAnswerException(
                "field \"stage\" must be one of " + Stage.WIRE_NAMES + ", got \"" + stage + "\"")),
                AnswerJson.text(json, "reason"));
    }
}
