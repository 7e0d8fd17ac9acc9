package io.distillab.judge.grpc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.judge.api.InvalidRequestException;
import io.distillab.judge.batch.BatchLine;
import io.distillab.judge.edge.ChatMessageInput;
import io.distillab.judge.edge.EdgeAnswer;
import io.distillab.judge.edge.EdgeRequest;
import io.distillab.judge.edge.ToolCallInput;
import io.distillab.judge.grpc.v1.ChatMessage;
import io.distillab.judge.grpc.v1.JudgeInfo;
import io.distillab.judge.grpc.v1.Judgment;
import io.distillab.judge.grpc.v1.ToolCall;
import io.distillab.judge.rps.RpsAnswer;
import io.distillab.judge.rps.RpsRequest;
import io.distillab.judging.Stage;
import io.distillab.judge.stage.StageAnswer;
import io.distillab.judge.stage.StageRequest;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Between the proto messages and the REST records, so that both APIs share one validation and
 * one pipeline. Proto3 has no null: an empty string means "not given".
 */
final class ProtoMapping {
    private static final ObjectMapper PLAIN = new ObjectMapper();

    private ProtoMapping() {
    }

    static StageRequest request(io.distillab.judge.grpc.v1.StageRequest r) {
        return new StageRequest(orNull(r.getText()), orNull(r.getJudge()));
    }

    static RpsRequest request(io.distillab.judge.grpc.v1.RpsRequest r) {
        Stage stage = null;
        if (!r.getStage().isEmpty()) {
            stage = Stage.parse(r.getStage()).orElseThrow(() -> new InvalidRequestException("stage",
                    "unknown stage '" + r.getStage() + "'; one of " + Stage.WIRE_NAMES));
        }
        return new RpsRequest(stage, List.copyOf(r.getMessagesAList()), List.copyOf(r.getMessagesBList()),
                orNull(r.getJudge()));
    }

    static EdgeRequest request(io.distillab.judge.grpc.v1.EdgeRequest r) {
        return new EdgeRequest(orNull(r.getValue()),
                r.hasSource() ? call(r.getSource(), "source", true) : null,
                r.hasTarget() ? call(r.getTarget(), "target", false) : null,
                r.getMessagesBeforeList().stream()
                        .map(m -> new ChatMessageInput(orNull(m.getRole()), m.getContent())).toList(),
                orNull(r.getJudge()));
    }

    static void stage(Judgment.Builder b, StageAnswer a) {
        b.setStage(io.distillab.judge.grpc.v1.StageAnswer.newBuilder().setStage(a.stage().wire()).setReason(a.reason()));
    }

    static void rps(Judgment.Builder b, RpsAnswer a) {
        b.setRps(io.distillab.judge.grpc.v1.RpsAnswer.newBuilder().setStyle(a.style()).setStructure(a.structure())
                .setAlignment(a.alignment()).setOverall(a.overall()).setReason(a.reason()));
    }

    static void edge(Judgment.Builder b, EdgeAnswer a) {
        b.setEdge(io.distillab.judge.grpc.v1.EdgeAnswer.newBuilder().setVerdict(a.verdict().wire()).setReason(a.reason()));
    }

    static <A> Judgment reply(io.distillab.judge.judgment.Judgment<A> j, BiConsumer<Judgment.Builder, A> answer) {
        Judgment.Builder b = Judgment.newBuilder().setStatus(j.status().wire()).setJudge(info(j.judge()))
                .setInputHash(j.inputHash()).setCached(j.cached());
        if (j.answer() != null) {
            answer.accept(b, j.answer());
        }
        if (j.error() != null) {
            b.setError(j.error());
        }
        if (j.errorKind() != null) {
            b.setErrorKind(j.errorKind().wire());
        }
        return b.build();
    }

    static <A> io.distillab.judge.grpc.v1.BatchLine line(BatchLine<A> line, BiConsumer<Judgment.Builder, A> answer) {
        var b = io.distillab.judge.grpc.v1.BatchLine.newBuilder().setIndex(line.index());
        return (line.judgment() == null ? b.setError(line.error()) : b.setJudgment(reply(line.judgment(), answer)))
                .build();
    }

    private static ToolCallInput call(ToolCall c, String field, boolean withOutput) {
        JsonNode arguments = null;
        if (!c.getArgumentsJson().isEmpty()) {
            try {
                arguments = PLAIN.readTree(c.getArgumentsJson());
            } catch (JsonProcessingException e) {
                throw new InvalidRequestException(field + ".arguments_json", "is not JSON: " + e.getOriginalMessage());
            }
        }
        // proto3 cannot tell an empty output from none; the source call's output may be empty.
        return new ToolCallInput(orNull(c.getName()), arguments, withOutput ? c.getOutput() : orNull(c.getOutput()));
    }

    private static JudgeInfo info(io.distillab.judge.judgment.JudgeInfo i) {
        String parameters;
        try {
            parameters = PLAIN.writeValueAsString(i.parameters());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Parameters are plain JSON values", e);
        }
        return JudgeInfo.newBuilder().setName(i.name()).setProvider(i.provider()).setModel(i.model())
                .setParametersJson(parameters).setPromptVersion(i.promptVersion()).setOffline(i.offline()).build();
    }

    private static String orNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
