package io.distillab.core.analysis;

import io.distillab.core.graph.ActionGraph;
import io.distillab.core.tools.ToolClasses;
import io.distillab.core.trajectory.Trajectory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The trajectories of an analysis, reduced to their action graphs and indexed by model and task.
 * Add trajectories (from any thread), then analyse; the chat itself is not kept.
 */
public final class Population {
    /** One trajectory as the metrics see it. */
    public record Member(String model, String task, int trial, double reward, Set<String> goldTools,
                         ActionGraph graph) {
    }

    private final List<Member> members = new ArrayList<>();

    /** Adds a trajectory with its candidate dependency edges. */
    public void add(Trajectory t, ToolClasses classes) {
        add(t, ActionGraph.of(t, classes));
    }

    /** Adds a trajectory with a graph built elsewhere (validated edges, say). */
    public synchronized void add(Trajectory t, ActionGraph graph) {
        members.add(new Member(t.model(), t.task(), t.trial(), t.reward(), t.goldTools(), graph));
    }

    public synchronized void add(Member m) {
        members.add(m);
    }

    public synchronized int size() {
        return members.size();
    }

    /** Model names, sorted. */
    public synchronized List<String> models() {
        return List.copyOf(new TreeSet<>(members.stream().map(Member::model).toList()));
    }

    /** The members of the given models only (all when null). */
    public synchronized Population select(Set<String> models) {
        Population p = new Population();
        for (Member m : members) {
            if (models == null || models.contains(m.model())) {
                p.members.add(m);
            }
        }
        return p;
    }

    /**
     * Members grouped by model then task, each group in a canonical order (trial, then tool
     * sequence), so results do not depend on the order files or records came in.
     */
    synchronized Map<String, Map<String, List<Member>>> byModelAndTask() {
        Map<String, Map<String, List<Member>>> out = new TreeMap<>();
        for (Member m : members) {
            out.computeIfAbsent(m.model(), k -> new TreeMap<>()).computeIfAbsent(m.task(), k -> new ArrayList<>()).add(m);
        }
        Comparator<Member> canonical = Comparator.comparingInt(Member::trial)
                .thenComparing(m -> String.join("\u0000", toolSequence(m.graph())))
                .thenComparingDouble(Member::reward);
        for (Map<String, List<Member>> tasks : out.values()) {
            for (List<Member> l : tasks.values()) {
                l.sort(canonical);
            }
        }
        return out;
    }

    synchronized Map<String, List<Member>> byTask() {
        Map<String, List<Member>> out = new HashMap<>();
        for (Member m : members) {
            out.computeIfAbsent(m.task(), k -> new ArrayList<>()).add(m);
        }
        return out;
    }

    private static List<String> toolSequence(ActionGraph g) {
        List<String> s = new ArrayList<>(g.size());
        for (int i = 0; i < g.size(); i++) {
            s.add(g.tool(i));
        }
        return s;
    }
}
