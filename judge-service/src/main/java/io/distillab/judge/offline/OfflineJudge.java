package io.distillab.judge.offline;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.core.judge.JudgeClient;
import io.distillab.judge.edge.ChatMessageInput;
import io.distillab.judge.edge.EdgeAnswer;
import io.distillab.judge.edge.EdgeRequest;
import io.distillab.judge.edge.ToolCallInput;
import io.distillab.judge.judgment.Hashing;
import io.distillab.judge.judgment.Judge;
import io.distillab.judge.judgment.JudgeInfo;
import io.distillab.judge.judgment.ErrorKind;
import io.distillab.judge.judgment.JudgmentFailedException;
import io.distillab.judge.judgment.JudgmentKind;
import io.distillab.judge.rps.RpsAnswer;
import io.distillab.judge.rps.RpsRequest;
import io.distillab.judge.stage.StageAnswer;
import io.distillab.judge.stage.StageRequest;
import io.distillab.judging.offline.SentenceEmbedder;
import java.util.Map;

/**
 * The service's default judge: the plain-Java offline judge of {@code judge-offline}
 * ({@link io.distillab.judging.offline.OfflineJudge}, the same one {@code distillab analyze} runs
 * in-process) behind the {@link Judge} interface. Every judgment's provenance says
 * {@code offline: true}.
 */
public final class OfflineJudge implements Judge {
    public static final String NAME = "offline";

    private final io.distillab.judging.offline.OfflineJudge judge;
    private final String configurationKey = Hashing.hashOf(Map.of("provider", JudgeInfo.OFFLINE_PROVIDER,
            "embeddings", SentenceEmbedder.MODEL));

    public OfflineJudge(SentenceEmbedder embedder) {
        this.judge = new io.distillab.judging.offline.OfflineJudge(embedder);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public JudgeInfo info(JudgmentKind kind) {
        return switch (kind) {
            case STAGE -> info(io.distillab.judging.offline.OfflineJudge.EMBEDDING_MODEL,
                    io.distillab.judging.offline.OfflineJudge.STAGE_VERSION);
            case RPS -> info(io.distillab.judging.offline.OfflineJudge.EMBEDDING_MODEL,
                    io.distillab.judging.offline.OfflineJudge.RPS_VERSION);
            case EDGE -> info(io.distillab.judging.offline.OfflineJudge.EDGE_MODEL,
                    io.distillab.judging.offline.OfflineJudge.EDGE_VERSION);
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
        var r = judge.stage(request.text());
        return new StageAnswer(r.stage(), r.reason());
    }

    @Override
    public RpsAnswer scoreRps(RpsRequest request) {
        var r = judge.rps(request.messagesA(), request.messagesB());
        return new RpsAnswer(r.style(), r.structure(), r.alignment(), r.reason());
    }

    @Override
    public EdgeAnswer validateEdge(EdgeRequest request) {
        var r = judge.edge(question(request));
        if (r.verdict() == null) {
            throw new JudgmentFailedException(ErrorKind.NO_DECISION, r.reason());
        }
        return new EdgeAnswer(r.verdict(), r.reason());
    }

    /** The request as the library's question (the wire shape and the question carry the same fields). */
    static JudgeClient.EdgeQuestion question(EdgeRequest r) {
        return new JudgeClient.EdgeQuestion(r.value(), call(r.source()), call(r.target()),
                r.messagesBefore().stream().map(OfflineJudge::message).toList());
    }

    private static JudgeClient.Call call(ToolCallInput c) {
        JsonNode args = c.arguments();
        return new JudgeClient.Call(c.name(), args, c.output());
    }

    private static JudgeClient.ChatMessage message(ChatMessageInput m) {
        return new JudgeClient.ChatMessage(m.role(), m.content());
    }
}
