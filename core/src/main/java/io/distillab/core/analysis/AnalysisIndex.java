package io.distillab.core.analysis;

import io.distillab.core.metrics.FeatureCounts;
import io.distillab.core.metrics.GraphEditDistance;
import io.distillab.core.metrics.Similarity;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A population prepared for pairwise metrics: mandatory tools per task (SPEC section 3, S_node),
 * each trajectory's optional-tool set as sorted tool ids, and per model and task the summed
 * S_seq/S_dep counts. Pair statistics are kept per task, so the point estimate and every bootstrap
 * resample are the same weighted sum over tasks.
 */
final class AnalysisIndex {
    final List<String> models;
    final List<String> tasks;
    final AnalysisOptions options;
    /** groups[model][task], null when the model has no trajectory on the task. */
    final Group[][] groups;

    /** One model's trajectories on one task. */
    static final class Group {
        final Population.Member[] members;
        final int[][] optional;
        final FeatureCounts counts;

        Group(Population.Member[] members, int[][] optional, FeatureCounts counts) {
            this.members = members;
            this.optional = optional;
            this.counts = counts;
        }
    }

    AnalysisIndex(Population population, AnalysisOptions options) {
        this.options = options;
        Map<String, Map<String, List<Population.Member>>> byModel = population.byModelAndTask();
        this.models = List.copyOf(byModel.keySet());
        Set<String> taskSet = new TreeSet<>();
        byModel.values().forEach(m -> taskSet.addAll(m.keySet()));
        this.tasks = List.copyOf(taskSet);
        Map<String, Integer> taskIndex = new HashMap<>();
        for (int t = 0; t < tasks.size(); t++) {
            taskIndex.put(tasks.get(t), t);
        }
        Map<String, Integer> toolIds = new HashMap<>();
        Map<String, Set<String>> mandatory = mandatoryTools(population, options.successThreshold());
        groups = new Group[models.size()][tasks.size()];
        for (int m = 0; m < models.size(); m++) {
            for (Map.Entry<String, List<Population.Member>> e : byModel.get(models.get(m)).entrySet()) {
                Set<String> f = mandatory.getOrDefault(e.getKey(), Set.of());
                List<Population.Member> list = e.getValue();
                int[][] optional = new int[list.size()][];
                FeatureCounts.Accumulator acc = new FeatureCounts.Accumulator();
                for (int i = 0; i < list.size(); i++) {
                    Set<String> tools = list.get(i).graph().toolSet();
                    tools.removeAll(f);
                    optional[i] = tools.stream().mapToInt(tl -> toolIds.computeIfAbsent(tl, k -> toolIds.size()))
                            .sorted().toArray();
                    acc.add(list.get(i).graph().counts());
                }
                groups[m][taskIndex.get(e.getKey())] = new Group(list.toArray(new Population.Member[0]), optional,
                        acc.result());
            }
        }
    }

    /**
     * {@code F_t}: the intersection of the tool sets of the successful trajectories on t of every
     * model in the analysis; with none, the gold actions' tool names when the data has them, else
     * the empty set. (Gold from several records of one task is united; tau-bench repeats it.)
     */
    static Map<String, Set<String>> mandatoryTools(Population population, double successThreshold) {
        Map<String, Set<String>> out = new HashMap<>();
        for (Map.Entry<String, List<Population.Member>> e : population.byTask().entrySet()) {
            Set<String> inter = null;
            Set<String> gold = null;
            for (Population.Member m : e.getValue()) {
                if (m.reward() >= successThreshold) {
                    Set<String> tools = m.graph().toolSet();
                    if (inter == null) {
                        inter = new HashSet<>(tools);
                    } else {
                        inter.retainAll(tools);
                    }
                }
                if (m.goldTools() != null) {
                    if (gold == null) {
                        gold = new HashSet<>();
                    }
                    gold.addAll(m.goldTools());
                }
            }
            out.put(e.getKey(), inter != null ? inter : gold != null ? gold : Set.of());
        }
        return out;
    }

    int modelIndex(String model) {
        int i = models.indexOf(model);
        if (i < 0) {
            throw new IllegalArgumentException("no trajectories of model '" + model + "' (models: " + models + ")");
        }
        return i;
    }

    /** Tasks on which both models have at least one trajectory: T(A,B). */
    int[] commonTasks(int... modelIdx) {
        int[] out = new int[tasks.size()];
        int c = 0;
        outer:
        for (int t = 0; t < tasks.size(); t++) {
            for (int m : modelIdx) {
                if (groups[m][t] == null) {
                    continue outer;
                }
            }
            out[c++] = t;
        }
        return Arrays.copyOf(out, c);
    }

    /** Per-task statistics of one pair of models, over the tasks both have. */
    PairStats pairStats(int a, int b) {
        return new PairStats(a, b, commonTasks(a, b));
    }

    final class PairStats {
        final int a;
        final int b;
        /** Global task indices of T(A,B), ascending. */
        final int[] tasks;
        final double[] nodeMean;   // per task: mean agreement, NaN when no pair
        final double[] gedMean;    // per task: mean GED similarity over the same pairs as nodeMean
        final int[] pairs;         // per task: trajectory pairs
        boolean gedExact = true;

        PairStats(int a, int b, int[] tasks) {
            this.a = a;
            this.b = b;
            this.tasks = tasks;
            this.nodeMean = new double[tasks.length];
            this.gedMean = options.ged() ? new double[tasks.length] : null;
            this.pairs = new int[tasks.length];
            for (int k = 0; k < tasks.length; k++) {
                Group ga = groups[a][tasks[k]];
                Group gb = groups[b][tasks[k]];
                double sum = 0;
                double ged = 0;
                int n = 0;
                for (int x = 0; x < ga.members.length; x++) {
                    // for A = B, pairs x != y; agreement and GED are symmetric, so unordered pairs suffice
                    for (int y = a == b ? x + 1 : 0; y < gb.members.length; y++) {
                        sum += Similarity.jaccard(ga.optional[x], gb.optional[y], options.emptyAgreement());
                        if (gedMean != null) {
                            ged += gedSimilarity(ga.members[x], gb.members[y]);
                        }
                        n++;
                    }
                }
                pairs[k] = n;
                nodeMean[k] = n == 0 ? Double.NaN : sum / n;
                if (gedMean != null) {
                    gedMean[k] = n == 0 ? Double.NaN : ged / n;
                }
            }
        }

        /**
         * GED similarity of two trajectories. The bipartite bound is not symmetric in its arguments;
         * we take the smaller (tighter) distance of both directions, which keeps it an upper bound and
         * makes the matrix symmetric as SPEC requires. Exact GED is symmetric already.
         */
        private double gedSimilarity(Population.Member x, Population.Member y) {
            GraphEditDistance.Result r = GraphEditDistance.compute(x.graph(), y.graph(), options.gedExactMaxNodes());
            if (!r.exact()) {
                GraphEditDistance.Result back = GraphEditDistance.compute(y.graph(), x.graph(),
                        options.gedExactMaxNodes());
                synchronized (this) {
                    gedExact = false;
                }
                if (back.distance() < r.distance()) {
                    r = back;
                }
            }
            return r.similarity();
        }

        /**
         * Scores with each task k of {@link #tasks} counted {@code weight[k]} times (all 1: the point estimate).
         * S_node and GED are both the mean over contributing tasks of the per-task mean over pairs (SPEC
         * section 3), so a task weighs the same whatever its trial counts.
         */
        Scores scores(int[] weight) {
            double nodeSum = 0;
            long nodeTasks = 0;
            double gedTotal = 0;
            FeatureCounts.Accumulator fa = new FeatureCounts.Accumulator();
            FeatureCounts.Accumulator fb = new FeatureCounts.Accumulator();
            for (int k = 0; k < tasks.length; k++) {
                int w = weight == null ? 1 : weight[k];
                if (w == 0) {
                    continue;
                }
                if (pairs[k] > 0) {
                    nodeSum += w * nodeMean[k];
                    nodeTasks += w;
                    if (gedMean != null) {
                        gedTotal += w * gedMean[k];
                    }
                }
                fa.add(groups[a][tasks[k]].counts, w);
                fb.add(groups[b][tasks[k]].counts, w);
            }
            FeatureCounts ca = fa.result();
            FeatureCounts cb = fb.result();
            double sSeq = Similarity.cosine(ca.fSeq(), cb.fSeq());
            double sDep = Similarity.cosine(ca.fDep(), cb.fDep());
            Double sNode = nodeTasks == 0 ? null : nodeSum / nodeTasks;
            Double ags = sNode == null ? null
                    : options.wNode() * sNode + options.wSeq() * sSeq + options.wDep() * sDep;
            Double ged = gedMean == null || nodeTasks == 0 ? null : gedTotal / nodeTasks;
            return new Scores(ags, sNode, sSeq, sDep, ged);
        }

        /** Maps global task indices to positions in {@link #tasks} (-1 when absent). */
        int[] positions(int[] globalTasks) {
            int[] pos = new int[globalTasks.length];
            for (int i = 0; i < globalTasks.length; i++) {
                pos[i] = Arrays.binarySearch(tasks, globalTasks[i]);
            }
            return pos;
        }
    }

    /** All models' features over all their trajectories. */
    Map<String, FeatureCounts> modelCounts() {
        Map<String, FeatureCounts> out = new HashMap<>();
        for (int m = 0; m < models.size(); m++) {
            FeatureCounts.Accumulator acc = new FeatureCounts.Accumulator();
            for (Group g : groups[m]) {
                if (g != null) {
                    acc.add(g.counts);
                }
            }
            out.put(models.get(m), acc.result());
        }
        return out;
    }

    static List<int[]> unorderedPairsWithDiagonal(int n) {
        List<int[]> out = new ArrayList<>();
        for (int a = 0; a < n; a++) {
            for (int b = a; b < n; b++) {
                out.add(new int[] {a, b});
            }
        }
        return out;
    }
}
