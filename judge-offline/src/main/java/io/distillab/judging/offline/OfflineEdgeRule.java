package io.distillab.judging.offline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.core.graph.ArgumentValues;
import io.distillab.core.graph.CallOutput;
import io.distillab.core.judge.JudgeClient;
import io.distillab.judging.EdgeVerdict;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * Edge validation without an LLM (version {@value #VERSION}). SPEC section 2's candidate rule
 * links a value to the latest call whose output holds it; this judge asks what the rule cannot:
 * did that call's output <em>reveal</em> the value, or did the agent have it before the call
 * returned? In order:
 * <ol>
 *   <li>{@code prior_knowledge} when the value occurs in a system or user message before the
 *       target call (SPEC's condition 2);</li>
 *   <li>no verdict (recorded as failed) when the value is not in the source call's output
 *       (condition 1): then it is no candidate edge at all;</li>
 *   <li>{@code prior_knowledge} when the value is also a value of the source call's own arguments:
 *       the output only echoed what the call was given ({@code get_reservation_details} returns
 *       the reservation id it was asked about);</li>
 *   <li>{@code prior_knowledge} when the value already occurs, as a whole token, in a message
 *       before the source call's output: in the assistant's own text (it wrote the value itself)
 *       or in an earlier tool output (another call revealed it first);</li>
 *   <li>otherwise {@code genuine}.</li>
 * </ol>
 * The source's output is found among the messages before the target as the last tool message
 * with exactly that text; when none matches (a caller that sends no tool messages), step 4 is
 * skipped.
 */
final class OfflineEdgeRule {
    static final String VERSION = "offline-edge-v2";
    static final String MODEL = "provenance-rules";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A verdict with its reason; a null verdict means the rule has nothing to decide. */
    record Decision(EdgeVerdict verdict, String reason) {
    }

    Decision validate(JudgeClient.EdgeQuestion q) {
        String v = q.value();
        List<JudgeClient.ChatMessage> before = q.messagesBefore();
        for (JudgeClient.ChatMessage m : before) {
            if (isSystemOrUser(m) && m.content() != null && m.content().contains(v)) {
                return prior("the value occurs in a " + role(m) + " message before the target call, so it was known a priori");
            }
        }
        CallOutput output = CallOutput.of(q.source().output());
        if (!output.contains(v)) {
            return new Decision(null, "Offline judge (provenance rules, no LLM): the value does not occur in the source "
                    + "call's output (SPEC condition 1), so this is not a candidate edge and neither verdict applies.");
        }
        if (ArgumentValues.of(arguments(q.source().arguments())).contains(v)) {
            return prior("the value is one of the source call's own arguments, so its output only echoed it");
        }
        int sourceOutput = -1;
        for (int i = before.size() - 1; i >= 0; i--) {
            JudgeClient.ChatMessage m = before.get(i);
            if ("tool".equalsIgnoreCase(m.role()) && q.source().output().equals(m.content())) {
                sourceOutput = i;
                break;
            }
        }
        for (int i = 0; i < sourceOutput; i++) {
            JudgeClient.ChatMessage m = before.get(i);
            if (m.content() != null && !isSystemOrUser(m) && CallOutput.containsToken(m.content(), v)) {
                return prior("the value already occurs in " + ("tool".equalsIgnoreCase(m.role())
                        ? "an earlier tool output" : "the assistant's own text") + " before the source call's output");
            }
        }
        return new Decision(EdgeVerdict.GENUINE, "Offline judge (provenance rules, no LLM): the value first appears in "
                + "the source call's output " + (output.isJson() ? "(a leaf of its JSON)" : "(a whole token of its text)")
                + ", and neither the system, the user, the assistant nor the call's own arguments had it before.");
    }

    private static Decision prior(String why) {
        return new Decision(EdgeVerdict.PRIOR_KNOWLEDGE, "Offline judge (provenance rules, no LLM): " + why + ".");
    }

    private static boolean isSystemOrUser(JudgeClient.ChatMessage m) {
        String r = role(m);
        return r.equals("system") || r.equals("user");
    }

    private static String role(JudgeClient.ChatMessage m) {
        return m.role() == null ? "" : m.role().toLowerCase(Locale.ROOT);
    }

    /** Arguments as an object: tau-bench sends them as a JSON string. */
    private static JsonNode arguments(JsonNode args) {
        if (args != null && args.isTextual()) {
            try {
                return args.textValue().isBlank() ? JSON.createObjectNode() : JSON.readTree(args.textValue());
            } catch (IOException e) {
                return null;
            }
        }
        return args;
    }
}
