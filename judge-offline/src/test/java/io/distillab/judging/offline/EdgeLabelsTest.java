package io.distillab.judging.offline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.judging.EdgeVerdict;
import io.distillab.judging.labels.LabelledEdges;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The offline edge judge against candidate edges of the bundled data labelled by reading them
 * ({@code data/edge-labels/edges.tsv}). Precision and recall of each verdict are computed from the
 * labels and printed; the bounds are the figures reported in judge-service/README.md less a small
 * margin, so a change that makes the judge worse fails. The old rule (confirm every candidate)
 * must score clearly worse: the judge has to add information.
 */
class EdgeLabelsTest {
    private static final Path ROOT = Path.of(System.getProperty("distillab.root", "..")).toAbsolutePath().normalize();

    @Test
    void offlineJudgeAgreesWithTheReadingWhereTheCandidateRuleCannotTell() throws Exception {
        List<LabelledEdges.Edge> edges = LabelledEdges.load(ROOT);
        assertTrue(edges.size() >= 100, "at least 100 labelled edges, got " + edges.size());
        assertTrue(edges.stream().anyMatch(e -> e.data().startsWith("toolbench")), "ToolBench edges are labelled too");

        List<EdgeVerdict> verdicts = edges.stream().map(e -> OfflineJudge.edgeOnly(e.question()).verdict()).toList();
        LabelledEdges.Scores judge = LabelledEdges.Scores.of(edges, verdicts);
        LabelledEdges.Scores confirmAll = LabelledEdges.Scores.of(edges,
                edges.stream().map(e -> EdgeVerdict.GENUINE).toList());
        System.out.println("offline edge judge on " + edges.size() + " labelled edges: " + judge);
        System.out.println("confirming every candidate (the rule alone): " + confirmAll);

        // reported in judge-service/README.md: genuine P 0.984 R 0.968, prior_knowledge P 0.949 R 0.974
        assertTrue(judge.genuinePrecision() >= 0.95, judge.toString());
        assertTrue(judge.genuineRecall() >= 0.93, judge.toString());
        assertTrue(judge.priorPrecision() >= 0.90, judge.toString());
        assertTrue(judge.priorRecall() >= 0.93, judge.toString());
        assertEquals(0, confirmAll.priorRecall(), "confirming every candidate rejects nothing");
        assertTrue(judge.accuracy() > confirmAll.accuracy() + 0.25, judge + " vs " + confirmAll);
    }
}
