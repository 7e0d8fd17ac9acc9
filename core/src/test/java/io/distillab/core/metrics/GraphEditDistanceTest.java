package io.distillab.core.metrics;

import static io.distillab.core.TrajectoryBuilder.tools;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.core.graph.ActionGraph;
import io.distillab.core.graph.CandidateEdge;
import io.distillab.core.tools.ToolClasses;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GraphEditDistanceTest {
    private static ActionGraph graph(String tools, int[]... dep) {
        String[] names = tools.isEmpty() ? new String[0] : tools.split(",");
        List<CandidateEdge> edges = new ArrayList<>();
        for (int[] e : dep) {
            edges.add(new CandidateEdge(e[0], e[1], "v"));
        }
        return ActionGraph.of(tools("m", "t", 0, 0, names), ToolClasses.defaults(), edges);
    }

    private static GraphEditDistance.Result ged(ActionGraph a, ActionGraph b) {
        return GraphEditDistance.compute(a, b, GraphEditDistance.DEFAULT_EXACT_MAX_NODES);
    }

    @Test
    void identicalGraphsAreAtDistanceZero() {
        GraphEditDistance.Result r = ged(graph("a,b,c", new int[] {1, 3}), graph("a,b,c", new int[] {1, 3}));
        assertEquals(0, r.distance());
        assertTrue(r.exact());
        assertEquals(1.0, r.similarity());
    }

    @Test
    void workedDistances() {
        // relabel one node: 1; size = 2 + 2 nodes + 1 + 1 seq edges = 6
        assertEquals(1.0 - 1.0 / 6, ged(graph("a,b"), graph("a,c")).similarity(), 1e-15);
        // a dep edge c1→c3 deleted: 1; size = 3 + 3 + 3 + 2 = 11
        assertEquals(1.0 - 1.0 / 11, ged(graph("a,b,c", new int[] {1, 3}), graph("a,b,c")).similarity(), 1e-15);
        // an edge both seq and dep ("both") against seq only: one relabelling; size 6
        assertEquals(1, ged(graph("a,b", new int[] {1, 2}), graph("a,b")).distance());
        // inserting a call at the end: one node and one seq edge; size 2 + 3 + 1 + 2 = 8
        GraphEditDistance.Result ins = ged(graph("a,b"), graph("a,b,c"));
        assertEquals(2, ins.distance());
        assertEquals(1.0 - 2.0 / 8, ins.similarity(), 1e-15);
        // reversed order a,b vs b,a: keep both nodes and flip the edge (delete + insert = 2) or relabel
        // both nodes (2); either way 2
        assertEquals(2, ged(graph("a,b"), graph("b,a")).distance());
    }

    @Test
    void emptyGraphs() {
        assertEquals(1.0, ged(graph(""), graph("")).similarity());
        GraphEditDistance.Result r = ged(graph(""), graph("a"));
        assertEquals(1, r.distance());
        assertEquals(0.0, r.similarity());
    }

    @Test
    void beyondTheExactLimitTheBipartiteBoundIsUsedAndSaysSo() {
        ActionGraph a = graph("a,b,c,d");
        ActionGraph b = graph("a,b,x,d");
        GraphEditDistance.Result exact = GraphEditDistance.compute(a, b, 4);
        GraphEditDistance.Result bound = GraphEditDistance.compute(a, b, 3);
        assertTrue(exact.exact());
        assertFalse(bound.exact());
        assertEquals(1, exact.distance());
        assertTrue(bound.distance() >= exact.distance());
    }

    /** Exact search against brute force over every node mapping, on random small graphs. */
    @Test
    void exactEqualsBruteForceAndBipartiteIsAnUpperBound() {
        Random rnd = new Random(42);
        String[] labels = {"a", "b", "c"};
        for (int trial = 0; trial < 300; trial++) {
            ActionGraph g1 = randomGraph(rnd, labels, rnd.nextInt(6));
            ActionGraph g2 = randomGraph(rnd, labels, rnd.nextInt(6));
            int brute = exactByBruteForce(g1, g2, new int[g1.size()], 0, new boolean[g2.size()]);
            GraphEditDistance.Result exact = GraphEditDistance.compute(g1, g2, 10);
            GraphEditDistance.Result bound = GraphEditDistance.compute(g1, g2, 0);
            assertEquals(brute, exact.distance(), "trial " + trial);
            assertTrue(bound.distance() >= brute, "trial " + trial);
            assertEquals(exact.distance(), GraphEditDistance.compute(g2, g1, 10).distance(), "symmetric");
        }
    }

    private static ActionGraph randomGraph(Random rnd, String[] labels, int n) {
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < n; i++) {
            names.append(i == 0 ? "" : ",").append(labels[rnd.nextInt(labels.length)]);
        }
        List<int[]> dep = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            for (int j = i + 1; j <= n; j++) {
                if (rnd.nextInt(4) == 0) {
                    dep.add(new int[] {i, j});
                }
            }
        }
        return graph(names.toString(), dep.toArray(new int[0][]));
    }

    // ------------------------------------------------------------ the bipartite bound, checked another way

    /** The labelled edges of a graph as SPEC section 3 defines them, counted here without the code under test. */
    private static Map<List<Integer>, String> labelledEdges(ActionGraph g) {
        Map<List<Integer>, String> edges = new HashMap<>();
        for (int i = 0; i + 1 < g.size(); i++) {
            edges.put(List.of(i, i + 1), "seq");
        }
        for (int i = 0; i < g.size(); i++) {
            for (int j : g.dependencyTargets(i)) {
                edges.merge(List.of(i, j), "dep", (old, dep) -> "both");
            }
        }
        return edges;
    }

    /** The cost of the edit path a node map induces, edit by edit ({@code map[i]} a node of g2, or -1: deleted). */
    private static int editPathCost(ActionGraph g1, ActionGraph g2, int[] map) {
        Map<List<Integer>, String> e1 = labelledEdges(g1);
        Map<List<Integer>, String> e2 = new HashMap<>(labelledEdges(g2));
        int cost = 0;
        java.util.Set<Integer> image = new java.util.HashSet<>();
        for (int i = 0; i < g1.size(); i++) {
            if (map[i] < 0) {
                cost++;                                     // node deleted
            } else {
                image.add(map[i]);
                cost += g1.tool(i).equals(g2.tool(map[i])) ? 0 : 1; // node kept, relabelled or not
            }
        }
        cost += g2.size() - image.size();                   // nodes inserted
        for (Map.Entry<List<Integer>, String> e : e1.entrySet()) {
            int a = map[e.getKey().get(0)];
            int b = map[e.getKey().get(1)];
            String there = a < 0 || b < 0 ? null : e2.remove(List.of(a, b));
            cost += there == null ? 1 : there.equals(e.getValue()) ? 0 : 1; // deleted, or kept and relabelled
        }
        return cost + e2.size();                            // edges of g2 no g1 edge became: inserted
    }

    /** Exact GED by brute force over every node map, with the count above. */
    private static int exactByBruteForce(ActionGraph g1, ActionGraph g2, int[] map, int d, boolean[] used) {
        if (d == g1.size()) {
            return editPathCost(g1, g2, map);
        }
        map[d] = -1;
        int best = exactByBruteForce(g1, g2, map, d + 1, used);
        for (int j = 0; j < g2.size(); j++) {
            if (!used[j]) {
                used[j] = true;
                map[d] = j;
                best = Math.min(best, exactByBruteForce(g1, g2, map, d + 1, used));
                used[j] = false;
            }
        }
        map[d] = -1;
        return best;
    }

    private static List<String> edgeLabelsAt(Map<List<Integer>, String> edges, int v, int end) {
        List<String> out = new ArrayList<>();
        edges.forEach((e, label) -> {
            if (e.get(end) == v) {
                out.add(label);
            }
        });
        return out;
    }

    /** Unit-cost matching of two label multisets: pair equal labels first, relabel the rest, insert or delete the excess. */
    private static int multisetMatchCost(List<String> a, List<String> b) {
        List<String> rest = new ArrayList<>(b);
        int common = 0;
        for (String x : a) {
            if (rest.remove(x)) {
                common++;
            }
        }
        return Math.max(a.size(), b.size()) - common;
    }

    /** Riesen and Bunke's (n+m) x (n+m) matrix as docs/SPEC-decisions.md section 3 describes it. */
    private static long[][] riesenBunkeMatrix(ActionGraph g1, ActionGraph g2) {
        int n = g1.size();
        int m = g2.size();
        long forbidden = 1L << 40;
        Map<List<Integer>, String> e1 = labelledEdges(g1);
        Map<List<Integer>, String> e2 = labelledEdges(g2);
        long[][] c = new long[n + m][n + m];
        for (int i = 0; i < n + m; i++) {
            for (int j = 0; j < n + m; j++) {
                if (i < n && j < m) {
                    c[i][j] = (g1.tool(i).equals(g2.tool(j)) ? 0 : 1)
                            + multisetMatchCost(edgeLabelsAt(e1, i, 0), edgeLabelsAt(e2, j, 0))
                            + multisetMatchCost(edgeLabelsAt(e1, i, 1), edgeLabelsAt(e2, j, 1));
                } else if (i < n) {
                    c[i][j] = j - m == i ? 1 + edgeLabelsAt(e1, i, 0).size() + edgeLabelsAt(e1, i, 1).size() : forbidden;
                } else if (j < m) {
                    c[i][j] = i - n == j ? 1 + edgeLabelsAt(e2, j, 0).size() + edgeLabelsAt(e2, j, 1).size() : forbidden;
                }
            }
        }
        return c;
    }

    /**
     * On random small graphs: the bound's node assignment is a least-cost assignment of the Riesen-Bunke
     * matrix (rebuilt here, minimised by brute force over all permutations); the distance it reports is the
     * cost of the edit path that assignment induces (counted here edit by edit); and that is never below the
     * exact GED (brute force over node maps), which the exact search must equal.
     */
    @Test
    void bipartiteBoundIsTheOptimalAssignmentsEditPathAndNeverBelowTheExactDistance() {
        Random rnd = new Random(7);
        String[] labels = {"a", "b", "c"};
        int strictlyAbove = 0;
        for (int trial = 0; trial < 250; trial++) {
            ActionGraph g1 = randomGraph(rnd, labels, rnd.nextInt(5));
            ActionGraph g2 = randomGraph(rnd, labels, rnd.nextInt(5));
            long[][] c = riesenBunkeMatrix(g1, g2);
            Map<String, Integer> ids = new HashMap<>();
            int[] map = GraphEditDistance.bipartiteMapping(GraphEditDistance.Graph.of(g1, ids),
                    GraphEditDistance.Graph.of(g2, ids));
            long assignmentCost = 0;
            boolean[] usedColumn = new boolean[g2.size()];
            for (int i = 0; i < g1.size(); i++) {
                assignmentCost += map[i] >= 0 ? c[i][map[i]] : c[i][g2.size() + i];
                if (map[i] >= 0) {
                    usedColumn[map[i]] = true;
                }
            }
            for (int j = 0; j < g2.size(); j++) {
                assignmentCost += usedColumn[j] ? 0 : c[g1.size() + j][j];
            }
            assertEquals(HungarianTest.bruteForceMinimum(c), assignmentCost, "trial " + trial + ": optimal assignment");
            int bound = GraphEditDistance.compute(g1, g2, 0).distance();
            assertEquals(editPathCost(g1, g2, map), bound, "trial " + trial + ": the induced edit path's cost");
            int exact = exactByBruteForce(g1, g2, new int[g1.size()], 0, new boolean[g2.size()]);
            assertTrue(bound >= exact, "trial " + trial + ": bound " + bound + " below exact " + exact);
            assertEquals(exact, GraphEditDistance.compute(g1, g2, 10).distance(), "trial " + trial + ": exact search");
            strictlyAbove += bound > exact ? 1 : 0;
        }
        assertTrue(strictlyAbove > 0, "some bound is loose, so the >= above was tested, not trivially equal");
    }
}
