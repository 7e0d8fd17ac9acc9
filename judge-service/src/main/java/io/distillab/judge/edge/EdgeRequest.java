package io.distillab.judge.edge;

import io.distillab.judge.api.Violations;
import io.distillab.judge.judgment.JudgeRequest;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * SPEC section 5's edge validation input: the value, the source call with its output, the target
 * call, and the messages before the target call.
 */
@Schema(description = "A candidate dependency edge (SPEC section 2) to validate")
public record EdgeRequest(
        @Schema(required = true, description = "The value of the target call's arguments the edge is for",
                examples = "ZFA04Y")
        String value,
        @Schema(required = true, description = "The source call c_i, with its output") ToolCallInput source,
        @Schema(required = true, description = "The target call c_j") ToolCallInput target,
        @Schema(required = true, description = "All messages before the target call, in order (may be empty)")
        List<ChatMessageInput> messagesBefore,
        @Schema(description = "Judge to ask: 'offline' or 'llm'; default distillab.judge.default-judge",
                examples = "offline")
        String judge) implements JudgeRequest {

    /** Arguments given as JSON strings parsed, so that both spellings are one input. */
    public EdgeRequest normalized() {
        return new EdgeRequest(value, source == null ? null : source.normalized(),
                target == null ? null : target.normalized(), messagesBefore, judge);
    }

    @Override
    public void validate(Violations violations, String path) {
        violations.text(path + "value", value);
        if (violations.present(path + "source", source)) {
            source.validate(violations, path + "source", true);
        }
        if (violations.present(path + "target", target)) {
            target.validate(violations, path + "target", false);
        }
        if (violations.present(path + "messagesBefore", messagesBefore)) {
            for (int i = 0; i < messagesBefore.size(); i++) {
                ChatMessageInput m = messagesBefore.get(i);
                if (violations.present(path + "messagesBefore[" + i + "]", m)) {
                    m.validate(violations, path + "messagesBefore[" + i + "]");
                }
            }
        }
    }
}
