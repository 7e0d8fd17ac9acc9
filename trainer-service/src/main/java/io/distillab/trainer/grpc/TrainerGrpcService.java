package io.distillab.trainer.grpc;

import io.distillab.trainer.grpc.v1.Deleted;
import io.distillab.trainer.grpc.v1.Job;
import io.distillab.trainer.grpc.v1.JobEvent;
import io.distillab.trainer.grpc.v1.JobRef;
import io.distillab.trainer.grpc.v1.ListJobsRequest;
import io.distillab.trainer.grpc.v1.ListJobsResponse;
import io.distillab.trainer.grpc.v1.LossCurve;
import io.distillab.trainer.grpc.v1.SubmitJobRequest;
import io.distillab.trainer.grpc.v1.Trainer;
import io.distillab.trainer.grpc.v1.UploadJobChunk;
import io.distillab.trainer.grpc.v1.UploadJobHeader;
import io.distillab.trainer.grpc.v1.WatchJobRequest;
import io.distillab.trainer.job.JobEvents;
import io.distillab.trainer.job.JobService;
import io.distillab.trainer.job.JobView;
import io.distillab.service.support.auth.Roles;
import io.distillab.service.support.grpc.ChunkedUploadStream;
import io.distillab.service.support.grpc.GrpcCalls;
import io.distillab.service.support.paging.PageRequest;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.security.RolesAllowed;
import java.io.InputStream;
import java.util.Iterator;
import java.util.concurrent.Callable;

/**
 * The gRPC face of the REST API (trainer.proto); the same services behind it, the same least role
 * per call (the {@code authorization} metadata carries the API key or JWT).
 */
@GrpcService
public class TrainerGrpcService implements Trainer {
    private final JobService jobs;
    private final JobEvents events;

    TrainerGrpcService(JobService jobs, JobEvents events) {
        this.jobs = jobs;
        this.events = events;
    }

    @Override
    @RolesAllowed(Roles.WRITER)
    @Blocking
    public Uni<Job> submitJob(SubmitJobRequest request) {
        return call(() -> job(jobs.submit(JobService.parse(request.getParametersJson()), null)));
    }

    /** The chunks after the header are read as one stream by the submission, on a worker thread. */
    @Override
    @RolesAllowed(Roles.WRITER)
    public Uni<Job> uploadJob(Multi<UploadJobChunk> request) {
        return GrpcCalls.onWorker(() -> {
            Iterator<UploadJobChunk> chunks = request.subscribe().asIterable().iterator();
            UploadJobHeader h = ChunkedUploadStream.headerChunk(chunks, UploadJobChunk::hasHeader, "the job's header")
                    .getHeader();
            InputStream data = new ChunkedUploadStream<>(chunks, UploadJobChunk::hasData, UploadJobChunk::getData);
            return job(jobs.submit(JobService.parse(h.getParametersJson()),
                    new JobService.Upload(h.getFilename(), data)));
        }, GrpcErrors::toStatus);
    }

    @Override
    @RolesAllowed(Roles.READER)
    @Blocking
    public Uni<Job> getJob(JobRef request) {
        return call(() -> job(jobs.get(request.getId())));
    }

    @Override
    @RolesAllowed(Roles.READER)
    @Blocking
    public Uni<ListJobsResponse> listJobs(ListJobsRequest request) {
        return call(() -> {
            int pageNumber = request.hasPage() ? request.getPage() : 0;
            int size = request.hasSize() ? request.getSize() : PageRequest.DEFAULT_SIZE;
            JobView.Page page = jobs.list(request.getStatus().isEmpty() ? null : request.getStatus(), pageNumber, size);
            return ListJobsResponse.newBuilder().addAllJobs(page.items().stream().map(TrainerGrpcService::job).toList())
                    .setTotal(page.total()).setPage(page.page()).setSize(page.size()).build();
        });
    }

    @Override
    @RolesAllowed(Roles.WRITER)
    @Blocking
    public Uni<Job> cancelJob(JobRef request) {
        return call(() -> job(jobs.cancel(request.getId())));
    }

    @Override
    @RolesAllowed(Roles.ADMIN)
    @Blocking
    public Uni<Deleted> deleteJob(JobRef request) {
        return call(() -> {
            jobs.delete(request.getId());
            return Deleted.newBuilder().setId(request.getId()).build();
        });
    }

    @Override
    @RolesAllowed(Roles.READER)
    @Blocking
    public Uni<LossCurve> getLossCurve(JobRef request) {
        return call(() -> LossCurve.newBuilder().setJson(jobs.lossCurve(request.getId()).toJson().toString()).build());
    }

    @Override
    @RolesAllowed(Roles.READER)
    public Multi<JobEvent> watchJob(WatchJobRequest request) {
        return Uni.createFrom().item(() -> events.follow(request.getId(), request.getAfterStep()))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onItem().transformToMulti(m -> m)
                .map(e -> JobEvent.newBuilder().setType(e.type()).setStep(e.id()).setJson(e.data()).build())
                .onFailure().transform(GrpcErrors::toStatus);
    }

    static Job job(JobView v) {
        Job.Builder b = Job.newBuilder().setId(v.id()).setStatus(v.status()).setDevice(v.device()).setStep(v.step())
                .setTotalSteps(v.totalSteps()).setAttempts(v.attempts())
                .setParametersJson(v.parameters().toString());
        if (v.name() != null) {
            b.setName(v.name());
        }
        if (v.checkpointStep() != null) {
            b.setCheckpointStep(v.checkpointStep());
        }
        if (v.finalLoss() != null) {
            b.setFinalLoss(v.finalLoss());
        }
        if (v.error() != null) {
            b.setError(v.error());
        }
        if (v.placement() != null) {
            b.setPlacement(v.placement());
        }
        if (v.latest() != null) {
            b.setLatestMetricsJson(v.latest().toString());
        }
        return b.build();
    }

    private static <T> Uni<T> call(Callable<T> work) {
        return GrpcCalls.call(work, GrpcErrors::toStatus);
    }
}
