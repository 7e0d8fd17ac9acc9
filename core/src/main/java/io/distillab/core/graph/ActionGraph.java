package io.distillab.core.graph;

import io.distillab.core.metrics.FeatureCounts;
import io.distillab.core.tools.ToolClass;
import io.distillab.core.tools.ToolClasses;
import io.distillab.core.trajectory.Message;
import io.distillab.core.trajectory.Role;
import io.distillab.core.trajectory.ToolCall;
import io.distillab.core.trajectory.Trajectory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code G = (V, E_s, E_d)} of one trajectory (SPEC section 2): the calls in order (E_s links each
 * call to the next) and the dependency edges. It keeps what the metrics need and nothing of the
 * chat, so a population of tens of thousands of trajectories fits in a small heap: tool names,
 * dependency adjacency, and the trajectory's S_seq/S_dep counts, computed once here.
 */
public final class ActionGraph {
    private final String[] tools;
    private final int[][] depOut;
    private final FeatureCounts counts;

    private ActionGraph(String[] tools, int[][] depOut, FeatureCounts counts) {
        this.tools = tools;
        this.depOut = depOut;
        this.counts = counts;
    }

    /** The graph over candidate dependency edges ({@code edges=candidate}). */
    public static ActionGraph of(Trajectory t, ToolClasses classes) {
        return of(t, classes, CandidateEdges.of(t));
    }

    /** The graph over the given value edges (e.g. those a judge confirmed); an edge needs one value. */
    public static ActionGraph of(Trajectory t, ToolClasses classes, Collection<CandidateEdge> edges) {
        List<ToolCall> calls = t.calls();
        int n = calls.size();
        String[] tools = new String[n];
        ToolClass[] cls = new ToolClass[n];
        for (int i = 0; i < n; i++) {
            tools[i] = calls.get(i).name().intern();
            cls[i] = classes.classOf(tools[i]);
        }
        List<TreeSet<Integer>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new TreeSet<>());
        }
        for (CandidateEdge e : edges) {
            if (e.source() < 1 || e.target() > n || e.source() >= e.target()) {
                throw new IllegalArgumentException("edge " + e + " does not fit a trajectory of " + n + " calls");
            }
            out.get(e.source() - 1).add(e.target() - 1);
        }
        int[][] depOut = new int[n][];
        for (int i = 0; i < n; i++) {
            depOut[i] = out.get(i).stream().mapToInt(Integer::intValue).toArray();
        }
        return new ActionGraph(tools, depOut, counts(t, cls, depOut));
    }

    private static FeatureCounts counts(Trajectory t, ToolClass[] cls, int[][] depOut) {
        List<ToolCall> calls = t.calls();
        int n = calls.size();
        long wtvNum = 0, wtvDen = 0, pwcNum = 0, pwcDen = 0, retryNum = 0, retryDen = 0;
        long reuseNum = 0, reuseDen = 0, fanNum = 0, fanDen = 0;
        List<Set<String>> values = null;
        for (int i = 0; i < n; i++) {
            ToolCall c = calls.get(i);
            if (cls[i] == ToolClass.WRITE) {
                if (!c.error()) {
                    wtvDen++;
                    if (values == null) {
                        values = new ArrayList<>(n);
                        for (ToolCall x : calls) {
                            values.add(ArgumentValues.of(x.arguments()));
                        }
                    }
                    if (verifiedLater(i, cls, values)) {
                        wtvNum++;
                    }
                }
                pwcDen++;
                if (confirmedBefore(t, i, cls)) {
                    pwcNum++;
                }
            }
            if (c.error()) {
                retryDen++;
                if (i + 1 < n && calls.get(i + 1).name().equals(c.name())) {
                    retryNum++;
                }
            } else {
                reuseDen++;
                if (depOut[i].length > 0) {
                    reuseNum++;
                }
            }
            if (depOut[i].length >= 1) {
                fanDen++;
                if (depOut[i].length >= 2) {
                    fanNum++;
                }
            }
        }
        double depthSum = 0;
        long depthCount = 0;
        if (n >= 2) {
            depthSum = (double) longestDependencyPath(depOut) / (n - 1);
            depthCount = 1;
        }
        return new FeatureCounts(wtvNum, wtvDen, pwcNum, pwcDen, retryNum, retryDen, reuseNum, reuseDen,
                depthSum, depthCount, fanNum, fanDen);
    }

    /** Write-then-verify: a later READ call shares one of the write's values. */
    private static boolean verifiedLater(int w, ToolClass[] cls, List<Set<String>> values) {
        Set<String> written = values.get(w);
        if (written.isEmpty()) {
            return false;
        }
        for (int k = w + 1; k < cls.length; k++) {
            if (cls[k] == ToolClass.READ) {
                for (String v : values.get(k)) {
                    if (written.contains(v)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Pre-write confirmation: between the latest earlier READ or WRITE call (or the start) and the
     * write, an assistant message with text and no tool call, then a user message.
     */
    private static boolean confirmedBefore(Trajectory t, int w, ToolClass[] cls) {
        List<ToolCall> calls = t.calls();
        int from = 0;
        for (int k = w - 1; k >= 0; k--) {
            if (cls[k] != ToolClass.GENERIC) {
                from = calls.get(k).messageIndex() + 1;
                break;
            }
        }
        int to = calls.get(w).messageIndex();
        List<Message> messages = t.messages();
        boolean asked = false;
        for (int m = from; m < to; m++) {
            Message msg = messages.get(m);
            if (!asked) {
                asked = msg.isAssistantTextOnly();
            } else if (msg.role() == Role.USER) {
                return true;
            }
        }
        return false;
    }

    /** Longest path in E_d, in edges; edges point forward, so one pass in call order suffices. */
    static int longestDependencyPath(int[][] depOut) {
        int[] longest = new int[depOut.length];
        int best = 0;
        for (int i = 0; i < depOut.length; i++) {
            for (int j : depOut[i]) {
                longest[j] = Math.max(longest[j], longest[i] + 1);
                best = Math.max(best, longest[j]);
            }
        }
        return best;
    }

    public int size() {
        return tools.length;
    }

    public String tool(int i) {
        return tools[i];
    }

    /** Tools(x): the set of tool names called. */
    public Set<String> toolSet() {
        return new TreeSet<>(Arrays.asList(tools));
    }

    /** Dependency targets of call i (0-based, ascending, distinct). */
    public int[] dependencyTargets(int i) {
        return depOut[i];
    }

    public int dependencyEdgeCount() {
        int e = 0;
        for (int[] o : depOut) {
            e += o.length;
        }
        return e;
    }

    /** This trajectory's S_seq and S_dep counts. */
    public FeatureCounts counts() {
        return counts;
    }
}
