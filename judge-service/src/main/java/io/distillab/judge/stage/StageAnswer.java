package io.distillab.judge.stage;

import io.distillab.judging.Stage;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A judge's stage for one message and its one-sentence reason. */
@Schema(description = "The stage of a message")
public record StageAnswer(
        @Schema(required = true, enumeration = {"authentication", "information_retrieval", "execution", "verification",
                "notification"})
        Stage stage,
        @Schema(required = true, description = "One sentence; the offline judge's start with 'Offline judge'")
        String reason) {
}
