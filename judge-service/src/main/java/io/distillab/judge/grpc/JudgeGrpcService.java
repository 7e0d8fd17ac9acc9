package io.distillab.judge.grpc;

import io.distillab.service.support.auth.Roles;
import jakarta.annotation.security.RolesAllowed;
import io.distillab.judge.api.InvalidRequestException;
import io.distillab.judge.batch.BatchRequest;
import io.distillab.judge.batch.BatchRunner;
import io.distillab.service.support.grpc.GrpcCalls;
import io.distillab.service.support.limits.PayloadTooLargeException;
import io.distillab.judge.grpc.v1.BatchLine;
import io.distillab.judge.grpc.v1.EdgeBatchRequest;
import io.distillab.judge.grpc.v1.EdgeRequest;
import io.distillab.judge.grpc.v1.JudgeService;
import io.distillab.judge.grpc.v1.Judgment;
import io.distillab.judge.grpc.v1.RpsBatchRequest;
import io.distillab.judge.grpc.v1.RpsRequest;
import io.distillab.judge.grpc.v1.StageBatchRequest;
import io.distillab.judge.grpc.v1.StageRequest;
import io.distillab.judge.judgment.JudgeRequest;
import io.distillab.judge.judgment.JudgeUnavailableException;
import io.distillab.judge.judgment.JudgmentService;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

/** The gRPC face of the pipeline the REST resources use (src/main/proto/judge.proto). */
@RolesAllowed(Roles.WRITER)
@GrpcService
public class JudgeGrpcService implements JudgeService {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(JudgeGrpcService.class);
    private final JudgmentService judgments;
    private final BatchRunner batches;

    public JudgeGrpcService(JudgmentService judgments, BatchRunner batches) {
        this.judgments = judgments;
        this.batches = batches;
    }

    @Override
    @Blocking
    public Uni<Judgment> annotateStage(StageRequest request) {
        return unary(() -> ProtoMapping.request(request), judgments::annotateStage, ProtoMapping::stage);
    }

    @Override
    @Blocking
    public Uni<Judgment> scoreRps(RpsRequest request) {
        return unary(() -> ProtoMapping.request(request), judgments::scoreRps, ProtoMapping::rps);
    }

    @Override
    @Blocking
    public Uni<Judgment> validateEdge(EdgeRequest request) {
        return unary(() -> ProtoMapping.request(request), judgments::validateEdge, ProtoMapping::edge);
    }

    @Override
    public Multi<BatchLine> annotateStageBatch(StageBatchRequest request) {
        return batch(() -> request.getItemsList().stream().map(ProtoMapping::request).toList(),
                judgments::annotateStage, ProtoMapping::stage);
    }

    @Override
    public Multi<BatchLine> scoreRpsBatch(RpsBatchRequest request) {
        return batch(() -> request.getItemsList().stream().map(ProtoMapping::request).toList(),
                judgments::scoreRps, ProtoMapping::rps);
    }

    @Override
    public Multi<BatchLine> validateEdgeBatch(EdgeBatchRequest request) {
        return batch(() -> request.getItemsList().stream().map(ProtoMapping::request).toList(),
                judgments::validateEdge, ProtoMapping::edge);
    }

    private <Q extends JudgeRequest, A> Uni<Judgment> unary(Supplier<Q> request,
            Function<Q, io.distillab.judge.judgment.Judgment<A>> judge, BiConsumer<Judgment.Builder, A> answer) {
        return Uni.createFrom().item(() -> {
            Q q = request.get();
            judgments.validate(q, "");
            return ProtoMapping.reply(judge.apply(q).orUnavailable(), answer);
        }).onFailure().transform(JudgeGrpcService::status);
    }

    private <Q extends JudgeRequest, A> Multi<BatchLine> batch(Supplier<List<Q>> items,
            Function<Q, io.distillab.judge.judgment.Judgment<A>> judge, BiConsumer<Judgment.Builder, A> answer) {
        return Multi.createFrom().deferred(() -> batches.run(new BatchRequest<>(items.get()), judge))
                .map(line -> ProtoMapping.line(line, answer))
                .onFailure().transform(JudgeGrpcService::status);
    }

    /**
     * INVALID_ARGUMENT names the field; RESOURCE_EXHAUSTED for a batch over its item limit;
     * UNAVAILABLE when the judge could not be asked or the database cannot be reached; anything else
     * is INTERNAL with a reference to the log, never the exception's text.
     */
    private static Throwable status(Throwable t) {
        if (t instanceof InvalidRequestException e) {
            return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        if (t instanceof PayloadTooLargeException e) {
            return Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException();
        }
        if (t instanceof JudgeUnavailableException e) {
            String kind = e.kind() == null ? "" : e.kind().wire() + ": ";
            return Status.UNAVAILABLE.withDescription(kind + e.getMessage()).asRuntimeException();
        }
        if (t instanceof io.grpc.StatusRuntimeException || t instanceof io.grpc.StatusException) {
            return t;
        }
        return GrpcCalls.unexpected(LOG, t);
    }
}
