package io.distillab.judge.bench;

import io.distillab.core.graph.CandidateEdge;
import io.distillab.core.graph.CandidateEdges;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.trajectory.Message;
import io.distillab.core.trajectory.Role;
import io.distillab.core.trajectory.ToolCall;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.judge.edge.ChatMessageInput;
import io.distillab.judge.edge.EdgeRequest;
import io.distillab.judge.edge.ToolCallInput;
import io.distillab.judge.judgment.JudgeSettings;
import io.distillab.judge.judgment.JudgmentFailedException;
import io.distillab.judge.offline.OfflineJudge;
import io.distillab.judging.offline.SentenceEmbedder;
import io.distillab.judge.rps.RpsRequest;
import io.distillab.judging.Stage;
import io.distillab.judge.stage.StageRequest;
import io.distillab.judge.support.JudgeTestProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The offline judge's throughput on the bundled tau-bench file (200 gpt-4o airline trajectories),
 * called directly (no HTTP, no cache), as an evaluation would use it: (1) the stage of every
 * assistant text message, with a cold embedding cache; (2) RPS for every pair of trials of a task
 * on every stage both have; (3) every candidate dependency edge (core's SPEC section 2 rule).
 * Runs in the Quarkus test JVM only because ONNX's tokenizer library loads once per JVM.
 */
@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class OfflineJudgeBench {

    @Inject
    JudgeSettings settings;

    @Test
    void offlineJudgmentsPerSecond() throws Exception {
        Path file = Path.of(System.getProperty("distillab.root", "..")).resolve("data/tau-bench/gpt-4o-airline.json");
        List<Trajectory> trajectories = new ArrayList<>();
        TrajectoryImporter.importPath(file, null, null, trajectories::add);
        int threads = Runtime.getRuntime().availableProcessors();
        OfflineJudge judge = new OfflineJudge(new SentenceEmbedder(settings.offline().embeddingCacheSize(), threads));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        BenchReport.line("| offline judgment | count | seconds | per second |");
        BenchReport.line("|---|---|---|---|");

        // (1) stages, cold cache
        List<Message> texts = new ArrayList<>();
        Map<Message, Trajectory> owner = new IdentityHashMap<>();
        for (Trajectory t : trajectories) {
            for (Message m : t.messages()) {
                if (m.role() == Role.ASSISTANT && m.text() != null && !m.text().isBlank()) {
                    texts.add(m);
                    owner.put(m, t);
                }
            }
        }
        long start = System.nanoTime();
        List<Stage> stages = all(pool, texts, m -> judge.annotateStage(new StageRequest(m.text(), null)).stage());
        report("stage (cold embeddings)", texts.size(), start);
        Map<Stage, Integer> distribution = new EnumMap<>(Stage.class);
        stages.forEach(s -> distribution.merge(s, 1, Integer::sum));
        BenchReport.line("");
        BenchReport.line("Stage distribution over " + texts.size() + " assistant text messages: " + distribution);
        BenchReport.line("");

        // (2) RPS on shared stages of trial pairs of a task
        Map<Trajectory, Map<Stage, List<String>>> byStage = new IdentityHashMap<>();
        for (int i = 0; i < texts.size(); i++) {
            byStage.computeIfAbsent(owner.get(texts.get(i)), t -> new EnumMap<>(Stage.class))
                    .computeIfAbsent(stages.get(i), s -> new ArrayList<>()).add(texts.get(i).text());
        }
        Map<String, List<Trajectory>> byTask = new TreeMap<>();
        trajectories.forEach(t -> byTask.computeIfAbsent(t.task(), k -> new ArrayList<>()).add(t));
        List<RpsRequest> rps = new ArrayList<>();
        for (List<Trajectory> trials : byTask.values()) {
            for (int x = 0; x < trials.size(); x++) {
                for (int y = x + 1; y < trials.size(); y++) {
                    Map<Stage, List<String>> a = byStage.getOrDefault(trials.get(x), Map.of());
                    Map<Stage, List<String>> b = byStage.getOrDefault(trials.get(y), Map.of());
                    for (Stage s : Stage.values()) {
                        if (a.containsKey(s) && b.containsKey(s)) {
                            rps.add(new RpsRequest(s, a.get(s), b.get(s), null));
                        }
                    }
                }
            }
        }
        start = System.nanoTime();
        all(pool, rps, judge::scoreRps);
        report("RPS (stage-aligned trial pairs, warm embeddings)", rps.size(), start);

        // (3) candidate edges
        List<EdgeRequest> edges = new ArrayList<>();
        for (Trajectory t : trajectories) {
            for (CandidateEdge e : CandidateEdges.of(t)) {
                edges.add(edgeRequest(t, e));
            }
        }
        start = System.nanoTime();
        List<String> verdicts = all(pool, edges, e -> {
            try {
                return judge.validateEdge(e).verdict().wire();
            } catch (JudgmentFailedException notCandidate) {
                return "failed";
            }
        });
        report("edge (SPEC rule)", edges.size(), start);
        Map<String, Integer> verdictCounts = new LinkedHashMap<>();
        verdicts.forEach(v -> verdictCounts.merge(v, 1, Integer::sum));
        BenchReport.line("");
        BenchReport.line("Edge verdicts over core's " + edges.size() + " candidate edges: " + verdictCounts);
        pool.shutdown();
    }

    private static EdgeRequest edgeRequest(Trajectory t, CandidateEdge e) {
        ToolCall source = t.calls().get(e.source() - 1);
        ToolCall target = t.calls().get(e.target() - 1);
        List<ChatMessageInput> before = t.messages().subList(0, target.messageIndex()).stream()
                .map(m -> new ChatMessageInput(m.role().name().toLowerCase(Locale.ROOT), m.text())).toList();
        return new EdgeRequest(e.value(), new ToolCallInput(source.name(), source.arguments(), source.output()),
                new ToolCallInput(target.name(), target.arguments(), null), before, null);
    }

    private static <T, R> List<R> all(ExecutorService pool, List<T> items, Function<T, R> judge) throws Exception {
        List<Future<R>> futures = new ArrayList<>();
        for (T item : items) {
            futures.add(pool.submit(() -> judge.apply(item)));
        }
        List<R> out = new ArrayList<>();
        for (Future<R> f : futures) {
            out.add(f.get());
        }
        return out;
    }

    private static void report(String what, int count, long start) {
        double seconds = BenchReport.seconds(start);
        BenchReport.line(String.format(Locale.ROOT, "| %s | %d | %.2f | **%.0f** |", what, count, seconds, count / seconds));
    }
}
