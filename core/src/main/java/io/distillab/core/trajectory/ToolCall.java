package io.distillab.core.trajectory;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One tool call {@code c_i} of a trajectory (SPEC section 1).
 *
 * @param index        1-based position in the order the calls were made
 * @param id           the call id used to match its output, or null when the format has none
 * @param name         the tool name
 * @param arguments    the arguments as a JSON object (tau-bench's JSON strings are parsed on import)
 * @param output       the text of the matching tool message, or null when the call got none
 * @param error        tau2's error flag, else true when the trimmed output starts with "Error"
 * @param messageIndex index in {@link Trajectory#messages()} of the assistant turn that made the call
 */
public record ToolCall(int index, String id, String name, JsonNode arguments, String output, boolean error,
                       int messageIndex) {
}
