package io.distillab.core.importer;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.core.trajectory.Message;
import io.distillab.core.trajectory.Role;
import io.distillab.core.trajectory.SpecText;
import io.distillab.core.trajectory.ToolCall;
import io.distillab.core.trajectory.Trajectory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects one record's chat turns in order and, at the end, pairs every tool call with its output
 * exactly as SPEC section 1's "Pairing" says, in its two passes: first every call, in order, takes
 * the first not yet taken tool message after it with its id (tau-bench reuses ids within a
 * trajectory, so "not yet taken" matters); then each call still without output takes the first not
 * yet taken tool message after it whose id is absent or names no call. A tool message left over is
 * bad input. (The two passes keep a call whose id has no answer from stealing a later call's.)
 */
final class TranscriptBuilder {
    /** How a format decides whether a call failed, given its output (and the tool message's own flag). */
    interface ErrorRule {
        boolean isError(String output, Boolean flag);
    }

    static final ErrorRule GENERIC = (output, flag) -> flag != null ? flag : SpecText.looksLikeError(output);

    private record PendingCall(String id, String name, JsonNode arguments, int messageIndex) {
    }

    private record ToolTurn(String id, String text, Boolean errorFlag, int messageIndex, String where) {
    }

    private final RecordContext ctx;
    private final List<Role> roles = new ArrayList<>();
    private final List<String> texts = new ArrayList<>();
    private final List<PendingCall> calls = new ArrayList<>();
    private final List<ToolTurn> toolTurns = new ArrayList<>();

    TranscriptBuilder(RecordContext ctx) {
        this.ctx = ctx;
    }

    void message(Role role, String text) {
        roles.add(role);
        texts.add(text);
    }

    /** Starts an assistant turn; add its calls with {@link #call} before the next turn. */
    void assistant(String text) {
        message(Role.ASSISTANT, text);
    }

    void call(String id, String name, JsonNode arguments) {
        calls.add(new PendingCall(id, name, arguments, roles.size() - 1));
    }

    void tool(String id, String text, Boolean errorFlag, String where) {
        toolTurns.add(new ToolTurn(id, text, errorFlag, roles.size(), where));
        message(Role.TOOL, text);
    }

    Trajectory build(String model, String task, int trial, double reward, Set<String> gold, ErrorRule errorRule) {
        return build(model, task, trial, reward, gold, errorRule, null);
    }

    /** @param tools the tool schemas in OpenAI form, or null when the record has none */
    Trajectory build(String model, String task, int trial, double reward, Set<String> gold, ErrorRule errorRule,
                     JsonNode tools) {
        int n = calls.size();
        int[] outputOf = new int[n];
        java.util.Arrays.fill(outputOf, -1);
        boolean[] claimed = new boolean[toolTurns.size()];
        Set<String> callIds = new HashSet<>();
        for (PendingCall c : calls) {
            if (c.id() != null) {
                callIds.add(c.id());
            }
        }
        for (int i = 0; i < n; i++) {
            PendingCall c = calls.get(i);
            if (c.id() == null) {
                continue;
            }
            for (int t = 0; t < toolTurns.size(); t++) {
                ToolTurn tt = toolTurns.get(t);
                if (!claimed[t] && tt.messageIndex() > c.messageIndex() && c.id().equals(tt.id())) {
                    claimed[t] = true;
                    outputOf[i] = t;
                    break;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (outputOf[i] >= 0) {
                continue;
            }
            PendingCall c = calls.get(i);
            for (int t = 0; t < toolTurns.size(); t++) {
                ToolTurn tt = toolTurns.get(t);
                if (!claimed[t] && tt.messageIndex() > c.messageIndex()
                        && (tt.id() == null || !callIds.contains(tt.id()))) {
                    claimed[t] = true;
                    outputOf[i] = t;
                    break;
                }
            }
        }
        for (int t = 0; t < toolTurns.size(); t++) {
            if (!claimed[t]) {
                ToolTurn tt = toolTurns.get(t);
                throw ctx.error(tt.where(), tt.id() == null ? "tool message with no call before it"
                        : callIds.contains(tt.id())
                        ? "tool message with no call (every call with id '" + tt.id() + "' before it has its output)"
                        : "tool message with no call (id '" + tt.id() + "' answers no earlier call)");
            }
        }

        List<ToolCall> built = new ArrayList<>(n);
        List<List<ToolCall>> callsByMessage = new ArrayList<>(roles.size());
        for (int m = 0; m < roles.size(); m++) {
            callsByMessage.add(new ArrayList<>(0));
        }
        for (int i = 0; i < n; i++) {
            PendingCall c = calls.get(i);
            ToolTurn out = outputOf[i] >= 0 ? toolTurns.get(outputOf[i]) : null;
            String output = out == null ? null : out.text();
            boolean error = errorRule.isError(output, out == null ? null : out.errorFlag());
            ToolCall tc = new ToolCall(i + 1, c.id(), c.name(), c.arguments(), output, error, c.messageIndex());
            built.add(tc);
            callsByMessage.get(c.messageIndex()).add(tc);
        }
        List<Message> messages = new ArrayList<>(roles.size());
        for (int m = 0; m < roles.size(); m++) {
            messages.add(new Message(roles.get(m), texts.get(m), callsByMessage.get(m)));
        }
        return new Trajectory(model, task, trial, reward, messages, built, gold,
                ctx.file() + (ctx.record() == null ? "" : " " + ctx.record()), tools);
    }
}
