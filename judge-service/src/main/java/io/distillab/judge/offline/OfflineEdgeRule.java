package io.distillab.judge.offline;

import io.distillab.core.graph.CallOutput;
import io.distillab.core.graph.CandidateEdges;
import io.distillab.core.trajectory.Message;
import io.distillab.core.trajectory.Role;
import io.distillab.judge.edge.ChatMessageInput;
import io.distillab.judge.edge.EdgeAnswer;
import io.distillab.judge.edge.EdgeRequest;
import io.distillab.judge.edge.EdgeVerdict;
import io.distillab.judge.judgment.JudgmentFailedException;
import java.util.List;
import java.util.Locale;

/**
 * Edge validation by SPEC section 2's own rule (version {@value #VERSION}), with core's
 * implementation of it:
 * <ol>
 *   <li>{@code prior_knowledge} when the value occurs as a substring in a system or user message
 *       before the target call (condition 2);</li>
 *   <li>otherwise {@code genuine} when the value occurs in the source call's output (condition 1:
 *       equal to a scalar leaf of a JSON output, else a whole token of the text);</li>
 *   <li>otherwise the edge is no candidate at all: recorded as failed, since neither verdict
 *       would be true.</li>
 * </ol>
 */
final class OfflineEdgeRule {
    static final String VERSION = "offline-edge-v1";
    static final String MODEL = "spec-section-2-rule";

    EdgeAnswer validate(EdgeRequest r) {
        if (CandidateEdges.knownBefore(coreMessages(r.messagesBefore()), r.messagesBefore().size(), r.value())) {
            return new EdgeAnswer(EdgeVerdict.PRIOR_KNOWLEDGE, "Offline judge (SPEC section 2 rule, no LLM): the value "
                    + "occurs in a system or user message before the target call, so it was known a priori.");
        }
        CallOutput output = CallOutput.of(r.source().output());
        if (output.contains(r.value())) {
            return new EdgeAnswer(EdgeVerdict.GENUINE, "Offline judge (SPEC section 2 rule, no LLM): the value occurs "
                    + (output.isJson() ? "as a leaf of the source call's JSON output" : "as a whole token of the source call's output")
                    + " and in no earlier system or user message.");
        }
        throw new JudgmentFailedException("Offline judge (SPEC section 2 rule): the value does not occur in the source "
                + "call's output (condition 1), so this is not a candidate edge and neither verdict applies.");
    }

    private static List<Message> coreMessages(List<ChatMessageInput> messages) {
        return messages.stream()
                .map(m -> new Message(Role.valueOf(m.role().toUpperCase(Locale.ROOT)), m.content(), List.of()))
                .toList();
    }
}
