package io.distillab.cli.bench;

import io.distillab.cli.server.JudgeServiceClient;
import io.distillab.core.judge.JudgeClient;
import io.distillab.judging.EdgeVerdict;
import io.distillab.judging.labels.LabelledEdges;
import io.distillab.judging.offline.OfflineJudgeClient;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillab bench edges}: an edge judge's precision and recall against the labelled edges of
 * the bundled data ({@code data/edge-labels/edges.tsv}). Without {@code --judge} the offline judge
 * runs in-process; with a judge-service URL (and {@code --judge-name llm} for an LLM provider it is
 * configured with) that service judges every labelled edge.
 */
@Command(name = "edges", mixinStandardHelpOptions = true,
        description = "Precision and recall of an edge judge on the labelled edges of the bundled data.")
public final class BenchEdgesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--root", description = "The checkout whose data/edge-labels are used (default: .).")
    Path root = Path.of(".");

    @Option(names = "--judge", paramLabel = "URL", description = "A running judge-service (default: the offline judge, in-process).")
    URI judge;

    @Option(names = "--judge-name", paramLabel = "NAME", description = "Which of that service's judges (offline or llm).")
    String judgeName;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<LabelledEdges.Edge> edges = LabelledEdges.load(root);
        JudgeClient client = judge == null ? new OfflineJudgeClient() : new JudgeServiceClient(judge);
        long t0 = System.nanoTime();
        List<Boolean> genuine = client.edges(edges.stream().map(LabelledEdges.Edge::question).toList(), judgeName);
        List<EdgeVerdict> verdicts = genuine.stream()
                .map(g -> g == null ? null : g ? EdgeVerdict.GENUINE : EdgeVerdict.PRIOR_KNOWLEDGE).toList();
        out.printf("%d labelled edges judged by %s in %.1f s%n", edges.size(),
                judge == null ? "the offline judge (in-process)" : judge + (judgeName == null ? "" : " (" + judgeName + ")"),
                (System.nanoTime() - t0) / 1e9);
        out.println(LabelledEdges.Scores.of(edges, verdicts));
        for (int i = 0; i < edges.size(); i++) {
            if (verdicts.get(i) != edges.get(i).label()) {
                LabelledEdges.Edge e = edges.get(i);
                out.printf("  disagrees: %s task %s trial %d c%d -> c%d '%s': labelled %s, judged %s (%s)%n", e.data(),
                        e.task().length() > 30 ? e.task().substring(0, 30) + "..." : e.task(), e.trial(), e.edge().source(),
                        e.edge().target(), e.edge().value(), e.label().wire(),
                        verdicts.get(i) == null ? "no answer" : verdicts.get(i).wire(), e.reasoning());
            }
        }
        out.flush();
        return 0;
    }
}
