package io.distillab.judge.edge;

import io.distillab.judging.EdgeVerdict;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A judge's verdict on one edge and its one-sentence reason. */
@Schema(description = "The verdict on a dependency edge")
public record EdgeAnswer(
        @Schema(required = true, enumeration = {"genuine", "prior_knowledge"},
                description = "genuine confirms the edge; prior_knowledge rejects it")
        EdgeVerdict verdict,
        @Schema(required = true, description = "One sentence; the offline judge's start with 'Offline judge'")
        String reason) {
}
