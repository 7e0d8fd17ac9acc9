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
            Map<String, Integer> ids = new HashMap<>();
            GraphEditDistance.Graph x = GraphEditDistance.Graph.of(g1, ids);
            GraphEditDistance.Graph y = GraphEditDistance.Graph.of(g2, ids);
            int brute = bruteForce(x, y, new int[x.n], 0, new boolean[y.n]);
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

    private static int bruteForce(GraphEditDistance.Graph x, GraphEditDistance.Graph y, int[] map, int d, boolean[] used) {
        if (d == x.n) {
            return GraphEditDistance.inducedCost(x, y, map);
        }
        map[d] = -1;
        int best = bruteForce(x, y, map, d + 1, used);
        for (int j = 0; j < y.n; j++) {
            if (!used[j]) {
                used[j] = true;
                map[d] = j;
                best = Math.min(best, bruteForce(x, y, map, d + 1, used));
                used[j] = false;
            }
        }
        map[d] = -1;
        return best;
    }
}
