package io.distillab.judge.offline;

import io.distillab.judge.edge.EdgeAnswer;
import io.distillab.judge.edge.EdgeRequest;
import io.distillab.judge.judgment.Hashing;
import io.distillab.judge.judgment.Judge;
import io.distillab.judge.judgment.JudgeInfo;
import io.distillab.judge.judgment.JudgmentKind;
import io.distillab.judge.rps.RpsAnswer;
import io.distillab.judge.rps.RpsRequest;
import io.distillab.judge.stage.StageAnswer;
import io.distillab.judge.stage.StageRequest;
import java.util.Map;

/**
 * The default judge: deterministic, in-process, no network. Stages and RPS from all-MiniLM-L6-v2
 * embeddings plus lexical features ({@link OfflineStageAnnotator}, {@link OfflineRpsScorer}),
 * edges by SPEC section 2's rule ({@link OfflineEdgeRule}). Every reason starts with "Offline
 * judge" and every judgment's provenance says {@code offline: true}.
 *
 * <p>Plain Java: the service wraps it in a CDI bean, the benchmark uses it directly.
 */
public final class OfflineJudge implements Judge {
    public static final String NAME = "offline";
    private static final String EMBEDDING_MODEL = SentenceEmbedder.MODEL + "+lexical";

    private final OfflineStageAnnotator stages;
    private final OfflineRpsScorer rps;
    private final OfflineEdgeRule edges = new OfflineEdgeRule();
    private final String configurationKey = Hashing.hashOf(Map.of("provider", JudgeInfo.OFFLINE_PROVIDER,
            "embeddings", SentenceEmbedder.MODEL));

    public OfflineJudge(SentenceEmbedder embedder) {
        this.stages = new OfflineStageAnnotator(embedder);
        this.rps = new OfflineRpsScorer(embedder);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public JudgeInfo info(JudgmentKind kind) {
        return switch (kind) {
            case STAGE -> info(EMBEDDING_MODEL, OfflineStageAnnotator.VERSION);
            case RPS -> info(EMBEDDING_MODEL, OfflineRpsScorer.VERSION);
            case EDGE -> info(OfflineEdgeRule.MODEL, OfflineEdgeRule.VERSION);
        };
    }

    private static JudgeInfo info(String model, String version) {
        return new JudgeInfo(NAME, JudgeInfo.OFFLINE_PROVIDER, model, Map.of(), version, true);
    }

    @Override
    public String configurationKey() {
        return configurationKey;
    }

    @Override
    public StageAnswer annotateStage(StageRequest request) {
        return stages.annotate(request.text());
    }

    @Override
    public RpsAnswer scoreRps(RpsRequest request) {
        return rps.score(request.messagesA(), request.messagesB());
    }

    @Override
    public EdgeAnswer validateEdge(EdgeRequest request) {
        return edges.validate(request);
    }
}
