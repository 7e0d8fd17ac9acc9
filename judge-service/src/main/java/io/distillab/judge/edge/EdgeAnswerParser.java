package io.distillab.judge.edge;

import io.distillab.judging.EdgeVerdict;
import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.judge.provider.AnswerJson;
import io.distillab.judge.provider.MalformedAnswerException;

/** Validates an LLM's edge answer: {@code {"verdict": "genuine"|"prior_knowledge", "reason": "..."}}. */
public final class EdgeAnswerParser {
    private EdgeAnswerParser() {
    }

    public static EdgeAnswer parse(String answer) {
        JsonNode json = AnswerJson.object(answer);
        String verdict = AnswerJson.text(json, "verdict");
        return new EdgeAnswer(EdgeVerdict.parse(verdict).orElseThrow(() -> new MalformedAnswerException(
                "field \"verdict\" must be \"genuine\" or \"prior_knowledge\", got \"" + verdict + "\"")),
                AnswerJson.text(json, "reason"));
    }
}
