package io.distillab.judge.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One rejected field of a request: its JSON path (e.g. {@code items[3].messagesA[0]}) and why. */
@Schema(description = "A rejected field of the request")
public record FieldViolation(
        @Schema(description = "JSON path of the field, e.g. items[3].messagesA", examples = "messagesA") String field,
        @Schema(description = "What is wrong with it", examples = "must hold at least one message") String message) {
}
