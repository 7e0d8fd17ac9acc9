package io.distillab.judge.batch;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.distillab.judge.judgment.Judgment;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One line of a batch's NDJSON answer, sent as soon as its item is judged (so lines come in
 * completion order, not item order). {@code index} is the item's position in the request.
 * {@code error} is set only when the service itself failed on the item; a judge's own failure is
 * a judgment with status {@code failed} or {@code error}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "One NDJSON line of a batch answer")
public record BatchLine<A>(
        @Schema(required = true, description = "Position of the item in the request's items") int index,
        @Schema(description = "The judgment, as the single endpoint returns it") Judgment<A> judgment,
        @Schema(description = "Set instead of judgment when the service failed on this item") String error) {
}
