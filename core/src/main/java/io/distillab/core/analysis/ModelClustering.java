package io.distillab.core.analysis;

import java.util.ArrayList;
import java.util.List;

/**
 * "Who looks like whom": agglomerative clustering of models with average linkage (UPGMA) on the
 * distance {@code 1 - score} of a pairwise metric (AGS by default), for ordering the report's heatmaps
 * and drawing the dendrogram beside them.
 *
 * <p>Average linkage: the distance of two clusters is the mean distance over all pairs of their
 * members. A pair whose score is null (no task gives it a pair of trajectories, SPEC section 3) counts
 * as distance 1, the largest {@code 1 - score} can be: nothing measured in common is read as nothing
 * alike, so such models join the tree last. The diagonal is not used. Ties are broken by the
 * clusters' places in the current order (the pair with the earlier first cluster, then the earlier
 * second), so the result depends on the models' order only through ties.
 *
 * <p>The leaf order is the tree's: each merge puts the cluster that came first in the current order
 * on the left. Adjacent leaves are then models merged early, which is what the heatmap needs.
 */
public final class ModelClustering {
    /**
     * One merge: nodes {@code 0..n-1} are the models (in the analysis' order), node {@code n + k} is the
     * k-th merge.
     */
    public record Merge(int left, int right, double height, int size) {
    }

    /** The tree and its leaf order (model names). */
    public record Dendrogram(List<String> models, List<Merge> merges, List<String> order) {
        /** The leaf position of each node (for a merge: the mean of its two children's), in leaf units. */
        public double[] positions() {
            int n = models.size();
            double[] pos = new double[n + merges.size()];
            for (int i = 0; i < n; i++) {
                pos[i] = order.indexOf(models.get(i));
            }
            for (int k = 0; k < merges.size(); k++) {
                pos[n + k] = (pos[merges.get(k).left()] + pos[merges.get(k).right()]) / 2;
            }
            return pos;
        }

        /** Height of each node: 0 for a model, the merge distance for a merge. */
        public double[] heights() {
            int n = models.size();
            double[] h = new double[n + merges.size()];
            for (int k = 0; k < merges.size(); k++) {
                h[n + k] = merges.get(k).height();
            }
            return h;
        }
    }

    private ModelClustering() {
    }

    /** Clusters the models of an analysis by {@code 1 - metric} ({@code "ags"}, {@code "s_node"}, ...). */
    public static Dendrogram of(AnalysisResult result, String metric) {
        List<String> models = result.models();
        int n = models.size();
        double[][] distance = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                Double s = result.pair(models.get(i), models.get(j)).scores().get(metric);
                distance[i][j] = distance[j][i] = s == null ? 1.0 : 1.0 - s;
            }
        }
        return averageLinkage(models, distance);
    }

    /** Average-linkage clustering of a symmetric distance matrix (the diagonal is ignored). */
    public static Dendrogram averageLinkage(List<String> models, double[][] distance) {
        int n = models.size();
        // the live clusters in their current order, each as its node id and its member models
        List<Integer> nodes = new ArrayList<>();
        List<List<Integer>> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nodes.add(i);
            members.add(List.of(i));
        }
        List<Merge> merges = new ArrayList<>();
        while (nodes.size() > 1) {
            int bestX = -1;
            int bestY = -1;
            double best = Double.POSITIVE_INFINITY;
            for (int x = 0; x < nodes.size(); x++) {
                for (int y = x + 1; y < nodes.size(); y++) {
                    double d = meanDistance(members.get(x), members.get(y), distance);
                    if (d < best) {
                        best = d;
                        bestX = x;
                        bestY = y;
                    }
                }
            }
            List<Integer> joined = new ArrayList<>(members.get(bestX));
            joined.addAll(members.get(bestY));
            merges.add(new Merge(nodes.get(bestX), nodes.get(bestY), best, joined.size()));
            // the merged cluster takes the place of its left part; the right part leaves the order
            nodes.set(bestX, n + merges.size() - 1);
            members.set(bestX, joined);
            nodes.remove(bestY);
            members.remove(bestY);
        }
        List<String> order = new ArrayList<>(n);
        if (n > 0) {
            for (int leaf : members.get(0)) {
                order.add(models.get(leaf));
            }
        }
        return new Dendrogram(List.copyOf(models), List.copyOf(merges), List.copyOf(order));
    }

    private static double meanDistance(List<Integer> a, List<Integer> b, double[][] distance) {
        double sum = 0;
        for (int i : a) {
            for (int j : b) {
                sum += distance[i][j];
            }
        }
        return sum / (a.size() * b.size());
    }
}
