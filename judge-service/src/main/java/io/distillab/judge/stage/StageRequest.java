package io.distillab.judge.stage;

import io.distillab.judge.api.Violations;
import io.distillab.judge.judgment.JudgeRequest;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One assistant text message to place in a stage. */
@Schema(description = "An assistant text message to annotate with its SPEC stage")
public record StageRequest(
        @Schema(required = true, description = "The assistant message's text",
                examples = "Could you please share your user ID so I can look up your reservation?")
        String text,
        @Schema(description = "Judge to ask: 'offline' or 'llm'; default distillab.judge.default-judge",
                examples = "offline")
        String judge) implements JudgeRequest {

    @Override
    public void validate(Violations violations, String path) {
        violations.text(path + "text", text);
    }
}
