package io.distillab.core.graph;

import io.distillab.core.trajectory.Message;
import io.distillab.core.trajectory.Role;
import io.distillab.core.trajectory.ToolCall;
import io.distillab.core.trajectory.Trajectory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * SPEC section 2's candidate dependency edges: for each value v of call c_j, an edge from the
 * latest earlier non-error call whose output holds v (rule 1 and 3), unless v already occurs in a
 * system or user message before c_j (rule 2: the agent knew it a priori).
 */
public final class CandidateEdges {
    private CandidateEdges() {
    }

    public static List<CandidateEdge> of(Trajectory t) {
        List<ToolCall> calls = t.calls();
        int n = calls.size();
        List<CandidateEdge> edges = new ArrayList<>();
        if (n < 2) {
            return edges;
        }
        CallOutput[] outputs = new CallOutput[n];
        KnownBefore known = new KnownBefore(t.messages());
        for (int j = 1; j < n; j++) {
            ToolCall target = calls.get(j);
            Set<String> values = ArgumentValues.of(target.arguments());
            for (String v : values) {
                int source = -1;
                for (int i = j - 1; i >= 0; i--) {
                    ToolCall c = calls.get(i);
                    if (c.error() || c.output() == null) {
                        continue;
                    }
                    if (outputs[i] == null) {
                        outputs[i] = CallOutput.of(c.output());
                    }
                    if (outputs[i].contains(v)) {
                        source = i;
                        break;
                    }
                }
                if (source >= 0 && !known.test(target.messageIndex(), v)) {
                    edges.add(new CandidateEdge(source + 1, j + 1, v));
                }
            }
        }
        return edges;
    }

    /** Rule 2: v occurs as a substring of a system or user message before message {@code before}. */
    public static boolean knownBefore(List<Message> messages, int before, String v) {
        return new KnownBefore(messages).test(before, v);
    }

    /** Rule 2 over one trajectory's messages, each system or user text's matcher resolved on first use. */
    private static final class KnownBefore {
        private final List<Message> messages;
        private final Predicate<String>[] matchers;

        @SuppressWarnings("unchecked")
        KnownBefore(List<Message> messages) {
            this.messages = messages;
            this.matchers = new Predicate[messages.size()];
        }

        boolean test(int before, String v) {
            for (int m = 0; m < before; m++) {
                Message msg = messages.get(m);
                if ((msg.role() == Role.SYSTEM || msg.role() == Role.USER) && msg.text() != null) {
                    if (matchers[m] == null) {
                        matchers[m] = KnownText.matcher(msg.text());
                    }
                    if (matchers[m].test(v)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }
}
