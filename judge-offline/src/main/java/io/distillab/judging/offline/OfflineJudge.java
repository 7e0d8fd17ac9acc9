package io.distillab.judging.offline;

import io.distillab.core.judge.JudgeClient;
import io.distillab.judging.EdgeVerdict;
import io.distillab.judging.Stage;
import java.util.List;

/**
 * The offline judge: deterministic, in-process, no network. Stages and RPS from all-MiniLM-L6-v2
 * embeddings plus lexical features ({@link OfflineStageAnnotator}, {@link OfflineRpsScorer}),
 * edges by provenance rules ({@link OfflineEdgeRule}). Every reason starts with "Offline judge".
 * judge-service serves it; {@code distillab analyze} runs it in-process through
 * {@link OfflineJudgeClient}.
 */
public final class OfflineJudge {
    /** The provenance model names and formula versions, per kind of judgment. */
    public static final String EMBEDDING_MODEL = SentenceEmbedder.MODEL + "+lexical";
    public static final String STAGE_VERSION = OfflineStageAnnotator.VERSION;
    public static final String RPS_VERSION = OfflineRpsScorer.VERSION;
    public static final String EDGE_MODEL = OfflineEdgeRule.MODEL;
    public static final String EDGE_VERSION = OfflineEdgeRule.VERSION;

    /** A message's stage and why. */
    public record StageResult(Stage stage, String reason) {
    }

    /** Style, Structure, Alignment (1..5) of two message groups, and why. */
    public record RpsScores(int style, int structure, int alignment, String reason) {
        /** SPEC section 5: Overall is the mean of the three scores. */
        public double overall() {
            return (style + structure + alignment) / 3.0;
        }
    }

    /** An edge verdict and why; the verdict is null when the rule has nothing to decide (no candidate edge). */
    public record EdgeResult(EdgeVerdict verdict, String reason) {
    }

    private final OfflineStageAnnotator stages;
    private final OfflineRpsScorer rps;
    private final OfflineEdgeRule edges = new OfflineEdgeRule();

    public OfflineJudge(SentenceEmbedder embedder) {
        this.stages = new OfflineStageAnnotator(embedder);
        this.rps = new OfflineRpsScorer(embedder);
    }

    public StageResult stage(String text) {
        return stages.annotate(text);
    }

    public RpsScores rps(List<String> messagesA, List<String> messagesB) {
        return rps.score(messagesA, messagesB);
    }

    public EdgeResult edge(JudgeClient.EdgeQuestion question) {
        OfflineEdgeRule.Decision d = edges.validate(question);
        return new EdgeResult(d.verdict(), d.reason());
    }

    /** The edge rule alone: it needs no embedding model. */
    public static EdgeResult edgeOnly(JudgeClient.EdgeQuestion question) {
        OfflineEdgeRule.Decision d = new OfflineEdgeRule().validate(question);
        return new EdgeResult(d.verdict(), d.reason());
    }
}
