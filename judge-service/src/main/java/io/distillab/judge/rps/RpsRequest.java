package io.distillab.judge.rps;

import io.distillab.judge.api.Violations;
import io.distillab.judge.judgment.JudgeRequest;
import io.distillab.judging.Stage;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * SPEC section 5: model A's and model B's assistant messages of one stage of one task (one
 * trial pair), to be scored on Style, Structure and Alignment.
 */
@Schema(description = "Two models' messages of one shared stage, to score for response pattern similarity")
public record RpsRequest(
        @Schema(required = true, description = "The shared stage", examples = "verification") Stage stage,
        @Schema(required = true, description = "Model A's assistant text messages of that stage, in order")
        List<String> messagesA,
        @Schema(required = true, description = "Model B's assistant text messages of that stage, in order")
        List<String> messagesB,
        @Schema(description = "Judge to ask: 'offline' or 'llm'; default distillab.judge.default-judge",
                examples = "offline")
        String judge) implements JudgeRequest {

    @Override
    public void validate(Violations violations, String path) {
        violations.present(path + "stage", stage);
        violations.texts(path + "messagesA", messagesA);
        violations.texts(path + "messagesB", messagesB);
    }
}
