package io.distillab.judge.edge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.judge.api.Violations;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A tool call as the edge judge sees it. */
@Schema(description = "A tool call: name, arguments and (for the source call) its output")
public record ToolCallInput(
        @Schema(required = true, examples = "get_reservation_details") String name,
        @Schema(required = true, description = "The call's arguments: a JSON object, or a string holding one (tau-bench)",
                examples = "{\"reservation_id\": \"ZFA04Y\"}")
        JsonNode arguments,
        @Schema(description = "The call's output text (required for the source call)") String output) {

    private static final ObjectMapper PLAIN = new ObjectMapper();

    /** The same call with string-encoded arguments parsed, so that both spellings hash alike. */
    ToolCallInput normalized() {
        if (arguments != null && arguments.isTextual()) {
            try {
                return new ToolCallInput(name, PLAIN.readTree(arguments.textValue()), output);
            } catch (JsonProcessingException e) {
                return this; // validate() reports it
            }
        }
        return this;
    }

    void validate(Violations violations, String path, boolean needsOutput) {
        violations.text(path + ".name", name);
        if (violations.present(path + ".arguments", arguments) && !normalized().arguments().isObject()) {
            violations.add(path + ".arguments", "must be a JSON object or a string holding one");
        }
        if (needsOutput) {
            violations.present(path + ".output", output);
        }
    }
}
