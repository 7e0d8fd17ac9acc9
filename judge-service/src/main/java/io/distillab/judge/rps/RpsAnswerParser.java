package io.distillab.judge.rps;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.judge.provider.AnswerJson;

/** Validates an LLM's RPS answer: three integers 1..5 and a reason. */
public final class RpsAnswerParser {
    private RpsAnswerParser() {
    }

    public static RpsAnswer parse(String answer) {
        JsonNode json = AnswerJson.object(answer);
        return new RpsAnswer(
                AnswerJson.integer(json, "style", RpsAnswer.MIN, RpsAnswer.MAX),
                AnswerJson.integer(json, "structure", RpsAnswer.MIN, RpsAnswer.MAX),
                AnswerJson.integer(json, "alignment", RpsAnswer.MIN, RpsAnswer.MAX),
                AnswerJson.text(json, "reason"));
    }
}
