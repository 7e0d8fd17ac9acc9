package io.distillab.core.judge;

import io.distillab.core.trajectory.Message;
import io.distillab.core.trajectory.Role;
import io.distillab.core.trajectory.SpecText;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.core.analysis.Bootstrap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * RPS, response pattern similarity (SPEC section 5), with the stage annotations and scores from a
 * {@link JudgeClient}.
 *
 * <ol>
 *   <li>Every assistant message with text (trimmed non-empty; with or without tool calls) gets one
 *       stage from the judge.</li>
 *   <li>For models A and B and a task t both ran, trajectories are paired as in S_node: every x of A
 *       on t with every y of B on t; for A = B each unordered pair of distinct trajectories once.</li>
 *   <li>For a trajectory pair, stage k is shared when both have at least one message in k; the judge
 *       scores x's and y's messages of k (in order) on Style, Structure and Alignment; Overall is
 *       their mean.</li>
 *   <li>A shared (task, stage) pair's score is the mean Overall over the trajectory pairs that share
 *       k on t; RPS(A, B) is the mean over the shared (task, stage) pairs, null when there is none.
 *       Judgments the judge recorded as failed are left out of the means.</li>
 *   <li>Intervals (SPEC section 4, when asked for): the percentile bootstrap over the tasks of
 *       T(A, B), the tasks both models ran, drawn as the AGS intervals are (same generator, seed and
 *       task order, so resample r of RPS and of AGS draw the same tasks); a resample's RPS is the
 *       mean over the shared (task, stage) pairs of the drawn tasks, each counted as often as its
 *       task was drawn; resamples with no shared pair are left out.</li>
 * </ol>
 */
public final class RpsCalculator {
    /** Requests per judge-service batch call. */
    static final int BATCH = 32;

    private final JudgeClient judge;
    private final String judgeName;
    /** model -> task -> that model's runs of the task (assistant texts, in order). */
    private final Map<String, Map<String, List<List<String>>>> texts = new TreeMap<>();

    public RpsCalculator(JudgeClient judge, String judgeName) {
        this.judge = judge;
        this.judgeName = judgeName;
    }

    /** Keeps what RPS needs of a trajectory (call before {@link #compute}). */
    public void add(Trajectory t) {
        List<String> mine = new ArrayList<>();
        for (Message m : t.messages()) {
            if (m.role() == Role.ASSISTANT && m.text() != null && !SpecText.trim(m.text()).isEmpty()) {
                mine.add(m.text());
            }
        }
        texts.computeIfAbsent(t.model(), k -> new TreeMap<>()).computeIfAbsent(t.task(), k -> new ArrayList<>())
                .add(mine);
    }

    /** RPS of one pair: null when no (task, stage) pair is shared; the interval null unless asked for and defined. */
    public record PairRps(Double value, double[] ci) {
    }

    /** RPS of every unordered pair of the given models, keyed "a\u0000b" with a <= b; values may be null. */
    public Map<String, Double> compute(List<String> models, JudgeProgress progress) {
        Map<String, Double> out = new HashMap<>();
        compute(models, 0, 0, progress).forEach((pair, r) -> out.put(pair, r.value()));
        return out;
    }

    /**
     * RPS of every unordered pair of the given models, keyed as {@link #key}, with 95% intervals
     * from {@code resamples} bootstrap resamples over tasks (none when 0).
     */
    public Map<String, PairRps> compute(List<String> models, int resamples, long seed, JudgeProgress progress) {
        Map<String, String> stageOf = annotate(progress);
        // per trajectory: stage -> its messages of that stage, in order
        Map<String, Map<String, List<Map<String, List<String>>>>> staged = new HashMap<>();
        texts.forEach((model, tasks) -> tasks.forEach((task, runs) -> {
            List<Map<String, List<String>>> out = new ArrayList<>();
            for (List<String> run : runs) {
                Map<String, List<String>> byStage = new TreeMap<>();
                for (String text : run) {
                    String stage = stageOf.get(text);
                    if (stage != null) {
                        byStage.computeIfAbsent(stage, k -> new ArrayList<>()).add(text);
                    }
                }
                out.add(byStage);
            }
            // canonical order, so the questions (and the judge's cache) do not depend on upload order
            out.sort(Comparator.comparing(Object::toString));
            staged.computeIfAbsent(model, k -> new HashMap<>()).put(task, out);
        }));

        // the questions, each asked once, and which (pair, task, stage) cells use each answer
        Map<JudgeClient.RpsQuestion, Integer> questionIndex = new LinkedHashMap<>();
        record Use(String pair, String task, String stage, int question) {
        }
        List<Use> uses = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            for (int j = i; j < models.size(); j++) {
                String a = models.get(i);
                String b = models.get(j);
                String pair = key(a, b);
                Map<String, List<Map<String, List<String>>>> ta = staged.getOrDefault(a, Map.of());
                Map<String, List<Map<String, List<String>>>> tb = staged.getOrDefault(b, Map.of());
                for (Map.Entry<String, List<Map<String, List<String>>>> e : ta.entrySet()) {
                    List<Map<String, List<String>>> ys = tb.get(e.getKey());
                    if (ys == null) {
                        continue;
                    }
                    List<Map<String, List<String>>> xs = e.getValue();
                    for (int x = 0; x < xs.size(); x++) {
                        for (int y = a.equals(b) ? x + 1 : 0; y < ys.size(); y++) {
                            for (Map.Entry<String, List<String>> k : xs.get(x).entrySet()) {
                                List<String> other = ys.get(y).get(k.getKey());
                                if (other == null) {
                                    continue;
                                }
                                JudgeClient.RpsQuestion q = new JudgeClient.RpsQuestion(k.getKey(), k.getValue(), other);
                                int qi = questionIndex.computeIfAbsent(q, z -> questionIndex.size());
                                uses.add(new Use(pair, e.getKey(), k.getKey(), qi));
                            }
                        }
                    }
                }
            }
        }
        List<JudgeClient.RpsQuestion> questions = new ArrayList<>(questionIndex.keySet());
        List<Double> overall = new ArrayList<>(questions.size());
        progress.phase("rps-scoring", questions.size());
        for (int from = 0; from < questions.size(); from += BATCH) {
            overall.addAll(judge.rps(questions.subList(from, Math.min(questions.size(), from + BATCH)), judgeName));
            progress.advance(overall.size());
        }

        // pair -> task -> stage -> [sum, n]
        Map<String, Map<String, Map<String, double[]>>> cells = new HashMap<>();
        for (Use u : uses) {
            Double o = overall.get(u.question());
            if (o != null) {
                double[] c = cells.computeIfAbsent(u.pair(), k -> new HashMap<>())
                        .computeIfAbsent(u.task(), k -> new HashMap<>()).computeIfAbsent(u.stage(), k -> new double[2]);
                c[0] += o;
                c[1]++;
            }
        }
        Map<String, PairRps> out = new HashMap<>();
        for (int i = 0; i < models.size(); i++) {
            for (int j = i; j < models.size(); j++) {
                String a = models.get(i);
                String b = models.get(j);
                String pair = key(a, b);
                // T(A,B) in ascending order; per task the sum of its shared stages' means and their number
                List<String> common = new ArrayList<>(texts.getOrDefault(a, new TreeMap<>()).keySet());
                common.retainAll(texts.getOrDefault(b, new TreeMap<>()).keySet());
                double[] sum = new double[common.size()];
                int[] n = new int[common.size()];
                Map<String, Map<String, double[]>> byTask = cells.getOrDefault(pair, Map.of());
                for (int t = 0; t < common.size(); t++) {
                    for (double[] cell : new TreeMap<>(byTask.getOrDefault(common.get(t), Map.of())).values()) {
                        sum[t] += cell[0] / cell[1];
                        n[t]++;
                    }
                }
                Double value = weightedMean(sum, n, null);
                double[] ci = null;
                if (resamples > 0 && value != null) {
                    Bootstrap boot = new Bootstrap(common.size(), seed);
                    double[] samples = new double[resamples];
                    int kept = 0;
                    for (int r = 0; r < resamples; r++) {
                        Double v = weightedMean(sum, n, boot.next());
                        if (v != null) {
                            samples[kept++] = v;
                        }
                    }
                    ci = Bootstrap.interval95(samples, kept);
                }
                out.put(pair, new PairRps(value, ci));
            }
        }
        return out;
    }

    /** The mean over (task, stage) cells, task t counted {@code weight[t]} times (null: once); null for no cell. */
    private static Double weightedMean(double[] sum, int[] n, int[] weight) {
        double total = 0;
        long cells = 0;
        for (int t = 0; t < sum.length; t++) {
            int w = weight == null ? 1 : weight[t];
            total += w * sum[t];
            cells += (long) w * n[t];
        }
        return cells == 0 ? null : total / cells;
    }

    public static String key(String a, String b) {
        return a.compareTo(b) <= 0 ? a + "\u0000" + b : b + "\u0000" + a;
    }

    /** One judge question per distinct text. */
    private Map<String, String> annotate(JudgeProgress progress) {
        List<String> distinct = new ArrayList<>(new java.util.TreeSet<>(texts.values().stream()
                .flatMap(t -> t.values().stream()).flatMap(List::stream).flatMap(List::stream).toList()));
        progress.phase("rps-stages", distinct.size());
        Map<String, String> stageOf = new HashMap<>();
        for (int from = 0; from < distinct.size(); from += BATCH * 2) {
            List<String> batch = distinct.subList(from, Math.min(distinct.size(), from + BATCH * 2));
            List<String> stages = judge.stages(batch.stream().map(JudgeClient.StageQuestion::new).toList(), judgeName);
            for (int i = 0; i < batch.size(); i++) {
                if (stages.get(i) != null) {
                    stageOf.put(batch.get(i), stages.get(i));
                }
            }
            progress.advance(from + batch.size());
        }
        return stageOf;
    }
}
