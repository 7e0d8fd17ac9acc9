package io.distillab.core.metrics;

import io.distillab.core.graph.ActionGraph;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The GED baseline of SPEC section 3. Each trajectory is a directed graph: nodes labelled by tool
 * name, edges {@code E_s ∪ E_d} labelled {@code seq}, {@code dep} or {@code both}. Every insertion,
 * deletion and relabelling of a node or an edge costs 1.
 *
 * <p>An edit path is fixed by a node mapping (each node of G1 to a node of G2 or to deletion), so
 * the distance is the least induced cost over mappings. When both graphs have at most
 * {@code exactMaxNodes} nodes we search all mappings by depth-first branch and bound (bounds: the
 * label multisets of the nodes left, and the counts of edges left on each side), starting from the
 * bipartite bound as the incumbent. Beyond that we return the bipartite upper bound of Riesen and
 * Bunke (2009): a linear assignment over nodes, whose substitution costs add the cost of optimally
 * matching the node's outgoing and incoming edge labels, solved exactly (Hungarian method); the
 * distance reported is the cost the assignment's node mapping induces.
 */
public final class GraphEditDistance {
    /** SPEC's default {@code gedExactMaxNodes}. */
    public static final int DEFAULT_EXACT_MAX_NODES = 10;

    private static final int NONE = 0;
    private static final int SEQ = 1;
    private static final int DEP = 2;

    /** A distance and whether it is exact (else the bipartite upper bound). */
    public record Result(int distance, boolean exact, int size) {
        /** {@code 1 - GED / (|V1|+|V2|+|E1|+|E2|)}, 1 for two empty graphs. */
        public double similarity() {
            return size == 0 ? 1.0 : 1.0 - (double) distance / size;
        }
    }

    private GraphEditDistance() {
    }

    public static Result compute(ActionGraph a, ActionGraph b, int exactMaxNodes) {
        Map<String, Integer> labels = new HashMap<>();
        Graph g1 = Graph.of(a, labels);
        Graph g2 = Graph.of(b, labels);
        int size = g1.n + g2.n + g1.edges + g2.edges;
        int[] mapping = bipartiteMapping(g1, g2);
        if (g1.n <= exactMaxNodes && g2.n <= exactMaxNodes) {
            // the search starts from a tighter incumbent: the assignment's mapping improved by swaps
            int incumbent = improveBySwaps(g1, g2, mapping.clone());
            return new Result(new ExactSearch(g1, g2, labels.size(), incumbent).run(), true, size);
        }
        // beyond the limit SPEC asks for the bipartite bound itself, not a locally improved one
        return new Result(inducedCost(g1, g2, mapping), false, size);
    }

    /** A graph as label ids and an edge-label matrix (0 none, 1 seq, 2 dep, 3 both). */
    static final class Graph {
        final int n;
        final int[] label;
        final byte[][] adj;
        final int edges;

        Graph(int[] label, byte[][] adj) {
            this.n = label.length;
            this.label = label;
            this.adj = adj;
            int e = 0;
            for (byte[] row : adj) {
                for (byte x : row) {
                    if (x != NONE) {
                        e++;
                    }
                }
            }
            this.edges = e;
        }

        static Graph of(ActionGraph g, Map<String, Integer> labels) {
            int n = g.size();
            int[] label = new int[n];
            byte[][] adj = new byte[n][n];
            for (int i = 0; i < n; i++) {
                label[i] = labels.computeIfAbsent(g.tool(i), k -> labels.size());
                if (i + 1 < n) {
                    adj[i][i + 1] |= SEQ;
                }
                for (int j : g.dependencyTargets(i)) {
                    adj[i][j] |= DEP;
                }
            }
            return new Graph(label, adj);
        }
    }

    /** The cost of the edit path a node mapping induces ({@code map[i]} = node of G2, or -1). */
    static int inducedCost(Graph g1, Graph g2, int[] map) {
        int cost = 0;
        boolean[] used = new boolean[g2.n];
        for (int i = 0; i < g1.n; i++) {
            if (map[i] < 0) {
                cost++;
            } else {
                used[map[i]] = true;
                if (g1.label[i] != g2.label[map[i]]) {
                    cost++;
                }
            }
        }
        for (int j = 0; j < g2.n; j++) {
            if (!used[j]) {
                cost++;
            }
        }
        for (int i = 0; i < g1.n; i++) {
            for (int k = 0; k < g1.n; k++) {
                int e1 = g1.adj[i][k];
                if (map[i] >= 0 && map[k] >= 0) {
                    if (e1 != g2.adj[map[i]][map[k]]) {
                        cost++;
                    }
                } else if (e1 != NONE) {
                    cost++;
                }
            }
        }
        for (int a = 0; a < g2.n; a++) {
            for (int b = 0; b < g2.n; b++) {
                if (g2.adj[a][b] != NONE && (!used[a] || !used[b])) {
                    cost++;
                }
            }
        }
        return cost;
    }

    /**
     * Hill climbing on a node mapping: swap the images of two G1 nodes, or move a node to an unused
     * G2 node or to deletion, while that lowers the induced cost. The result stays an upper bound
     * (it is the cost of a real edit path) and is usually much tighter than the assignment's.
     */
    static int improveBySwaps(Graph g1, Graph g2, int[] map) {
        int best = inducedCost(g1, g2, map);
        boolean improved = true;
        while (improved && best > 0) {
            improved = false;
            for (int i = 0; i < g1.n && !improved; i++) {
                for (int k = i + 1; k < g1.n && !improved; k++) {
                    swap(map, i, k);
                    int c = inducedCost(g1, g2, map);
                    if (c < best) {
                        best = c;
                        improved = true;
                    } else {
                        swap(map, i, k);
                    }
                }
                boolean[] used = new boolean[g2.n];
                for (int x : map) {
                    if (x >= 0) {
                        used[x] = true;
                    }
                }
                for (int j = -1; j < g2.n && !improved; j++) {
                    if ((j >= 0 && used[j]) || j == map[i]) {
                        continue;
                    }
                    int old = map[i];
                    map[i] = j;
                    int c = inducedCost(g1, g2, map);
                    if (c < best) {
                        best = c;
                        improved = true;
                    } else {
                        map[i] = old;
                    }
                }
            }
        }
        return best;
    }

    private static void swap(int[] a, int i, int k) {
        int t = a[i];
        a[i] = a[k];
        a[k] = t;
    }

    // ---------------------------------------------------------------- bipartite (Riesen and Bunke)

    static int[] bipartiteMapping(Graph g1, Graph g2) {
        int n = g1.n;
        int m = g2.n;
        int k = n + m;
        if (k == 0) {
            return new int[0];
        }
        long inf = 1L << 40;
        long[][] c = new long[k][k];
        int[][] out1 = new int[n][], in1 = new int[n][], out2 = new int[m][], in2 = new int[m][];
        for (int i = 0; i < n; i++) {
            out1[i] = edgeLabels(g1, i, true);
            in1[i] = edgeLabels(g1, i, false);
        }
        for (int j = 0; j < m; j++) {
            out2[j] = edgeLabels(g2, j, true);
            in2[j] = edgeLabels(g2, j, false);
        }
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                if (i < n && j < m) {
                    c[i][j] = (g1.label[i] != g2.label[j] ? 1 : 0) + multisetCost(out1[i], out2[j])
                            + multisetCost(in1[i], in2[j]);
                } else if (i < n) {
                    c[i][j] = j - m == i ? 1 + out1[i].length + in1[i].length : inf;
                } else if (j < m) {
                    c[i][j] = i - n == j ? 1 + out2[j].length + in2[j].length : inf;
                } else {
                    c[i][j] = 0;
                }
            }
        }
        int[] assign = Hungarian.solve(c);
        int[] map = new int[n];
        for (int i = 0; i < n; i++) {
            map[i] = assign[i] < m ? assign[i] : -1;
        }
        return map;
    }

    /** Sorted labels of node v's outgoing (or incoming) edges. */
    private static int[] edgeLabels(Graph g, int v, boolean outgoing) {
        int[] tmp = new int[g.n];
        int c = 0;
        for (int x = 0; x < g.n; x++) {
            int e = outgoing ? g.adj[v][x] : g.adj[x][v];
            if (e != NONE) {
                tmp[c++] = e;
            }
        }
        int[] r = Arrays.copyOf(tmp, c);
        Arrays.sort(r);
        return r;
    }

    /** Least cost of matching two label multisets with unit costs: max(|A|,|B|) - |A ∩ B|. */
    private static int multisetCost(int[] a, int[] b) {
        return Math.max(a.length, b.length) - Similarity.commonCount(a, b);
    }

    // ---------------------------------------------------------------- exact (branch and bound)

    private static final class ExactSearch {
        private final Graph g1;
        private final Graph g2;
        private final int[] map;
        private final boolean[] used;
        private final int[] left1;   // label counts of G1 nodes not yet mapped
        private final int[] left2;   // label counts of G2 nodes not yet used
        private final int[] edgesAmong1; // edgesAmong1[d]: G1 edges with both endpoints >= d
        private int g2EdgesBothUsed;
        private int best;

        ExactSearch(Graph g1, Graph g2, int labelCount, int upperBound) {
            this.g1 = g1;
            this.g2 = g2;
            this.map = new int[g1.n];
            this.used = new boolean[g2.n];
            this.left1 = new int[labelCount];
            this.left2 = new int[labelCount];
            for (int l : g1.label) {
                left1[l]++;
            }
            for (int l : g2.label) {
                left2[l]++;
            }
            this.edgesAmong1 = new int[g1.n + 1];
            for (int d = 0; d < g1.n; d++) {
                int e = 0;
                for (int i = d; i < g1.n; i++) {
                    for (int k = d; k < g1.n; k++) {
                        if (g1.adj[i][k] != NONE) {
                            e++;
                        }
                    }
                }
                edgesAmong1[d] = e;
            }
            this.best = upperBound;
        }

        int run() {
            search(0, 0);
            return best;
        }

        private void search(int d, int cost) {
            if (d == g1.n) {
                int total = cost;
                for (int j = 0; j < g2.n; j++) {
                    if (!used[j]) {
                        total++;
                    }
                }
                total += g2.edges - g2EdgesBothUsed;
                if (total < best) {
                    best = total;
                }
                return;
            }
            if (cost + lowerBound(d) >= best) {
                return;
            }
            int label = g1.label[d];
            left1[label]--;
            // same-label candidates first: they find good incumbents early
            for (int pass = 0; pass < 2; pass++) {
                for (int j = 0; j < g2.n; j++) {
                    if (used[j] || (g2.label[j] == label) != (pass == 0)) {
                        continue;
                    }
                    int step = (g2.label[j] == label ? 0 : 1) + edgeCost(d, j);
                    map[d] = j;
                    use(j, true);
                    search(d + 1, cost + step);
                    use(j, false);
                }
            }
            map[d] = -1;
            search(d + 1, cost + 1 + edgeCost(d, -1));
            left1[label]++;
        }

        /** Cost of the edges between node d (mapped to j, or deleted) and the nodes before it. */
        private int edgeCost(int d, int j) {
            int c = 0;
            for (int k = 0; k < d; k++) {
                int fk = map[k];
                if (j >= 0 && fk >= 0) {
                    if (g1.adj[d][k] != g2.adj[j][fk]) {
                        c++;
                    }
                    if (g1.adj[k][d] != g2.adj[fk][j]) {
                        c++;
                    }
                } else {
                    if (g1.adj[d][k] != NONE) {
                        c++;
                    }
                    if (g1.adj[k][d] != NONE) {
                        c++;
                    }
                }
            }
            return c;
        }

        private void use(int j, boolean on) {
            int delta = 0;
            for (int x = 0; x < g2.n; x++) {
                if (used[x] && x != j) {
                    if (g2.adj[j][x] != NONE) {
                        delta++;
                    }
                    if (g2.adj[x][j] != NONE) {
                        delta++;
                    }
                }
            }
            used[j] = on;
            g2EdgesBothUsed += on ? delta : -delta;
            left2[g2.label[j]] += on ? -1 : 1;
        }

        /**
         * Least cost still to pay with nodes 0..d-1 mapped. Nodes: the label multisets left on each
         * side. Edges: an edge between a mapped node k and a node left in G1 can only pair with an edge
         * of the same direction between k's image and an unused G2 node (a deleted k pairs with none),
         * and edges among the nodes left only with edges among the unused G2 nodes; every unpaired
         * edge costs at least 1.
         */
        private int lowerBound(int d) {
            int r1 = g1.n - d;
            int r2 = 0;
            int common = 0;
            for (int l = 0; l < left1.length; l++) {
                r2 += left2[l];
                common += Math.min(left1[l], left2[l]);
            }
            int nodes = Math.max(r1, r2) - common;
            int edges = 0;
            for (int k = 0; k < d; k++) {
                int out1 = 0, in1 = 0;
                for (int x = d; x < g1.n; x++) {
                    if (g1.adj[k][x] != NONE) {
                        out1++;
                    }
                    if (g1.adj[x][k] != NONE) {
                        in1++;
                    }
                }
                int j = map[k];
                int out2 = 0, in2 = 0;
                if (j >= 0) {
                    for (int y = 0; y < g2.n; y++) {
                        if (!used[y]) {
                            if (g2.adj[j][y] != NONE) {
                                out2++;
                            }
                            if (g2.adj[y][j] != NONE) {
                                in2++;
                            }
                        }
                    }
                }
                edges += Math.abs(out1 - out2) + Math.abs(in1 - in2);
            }
            int among2 = 0;
            for (int a = 0; a < g2.n; a++) {
                if (!used[a]) {
                    for (int b = 0; b < g2.n; b++) {
                        if (!used[b] && g2.adj[a][b] != NONE) {
                            among2++;
                        }
                    }
                }
            }
            edges += Math.abs(edgesAmong1[d] - among2);
            return nodes + edges;
        }
    }
}
