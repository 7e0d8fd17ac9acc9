package io.distillab.metrics.grpc;

import io.distillab.service.support.auth.Roles;
import io.distillab.service.support.grpc.ChunkedUploadStream;
import io.distillab.service.support.grpc.GrpcCalls;
import io.distillab.service.support.paging.Page;
import io.distillab.service.support.paging.PageRequest;
import jakarta.annotation.security.RolesAllowed;
import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.metrics.analysis.AnalysisParameters;
import io.distillab.metrics.analysis.AnalysisService;
import io.distillab.metrics.analysis.AnalysisView;
import io.distillab.metrics.dataset.DatasetService;
import io.distillab.metrics.dataset.DatasetViews;
import io.distillab.metrics.grpc.v1.Analysis;
import io.distillab.metrics.grpc.v1.AnalysisRef;
import io.distillab.metrics.grpc.v1.AnalysisResult;
import io.distillab.metrics.grpc.v1.CreateDatasetRequest;
import io.distillab.metrics.grpc.v1.Dataset;
import io.distillab.metrics.grpc.v1.DatasetRef;
import io.distillab.metrics.grpc.v1.Deleted;
import io.distillab.metrics.grpc.v1.ListDatasetsRequest;
import io.distillab.metrics.grpc.v1.ListDatasetsResponse;
import io.distillab.metrics.grpc.v1.ListModelsRequest;
import io.distillab.metrics.grpc.v1.ListModelsResponse;
import io.distillab.metrics.grpc.v1.ListTasksRequest;
import io.distillab.metrics.grpc.v1.ListTasksResponse;
import io.distillab.metrics.grpc.v1.Metrics;
import io.distillab.metrics.grpc.v1.Model;
import io.distillab.metrics.grpc.v1.SubmitAnalysisRequest;
import io.distillab.metrics.grpc.v1.Task;
import io.distillab.metrics.grpc.v1.Upload;
import io.distillab.metrics.grpc.v1.UploadChunk;
import io.distillab.metrics.grpc.v1.UploadHeader;
import io.distillab.metrics.importing.TrajectoryImportService;
import io.distillab.service.support.problem.ProblemException;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.io.InputStream;
import java.util.Iterator;
import java.util.concurrent.Callable;

/** The gRPC face of the REST API (metrics.proto); the same services behind it. */
@GrpcService
public class MetricsGrpcService implements Metrics {
    private final DatasetService datasets;
    private final TrajectoryImportService importer;
    private final AnalysisService analyses;

    MetricsGrpcService(DatasetService datasets, TrajectoryImportService importer, AnalysisService analyses) {
        this.datasets = datasets;
        this.importer = importer;
        this.analyses = analyses;
    }

    @Override
    @RolesAllowed(Roles.WRITER)
    @Blocking
    public Uni<Dataset> createDataset(CreateDatasetRequest request) {
        return call(() -> dataset(datasets.create(new DatasetViews.NewDataset(request.getName(),
                request.getDescription().isEmpty() ? null : request.getDescription()))));
    }

    @Override
    @RolesAllowed(Roles.READER)
    @Blocking
    public Uni<ListDatasetsResponse> listDatasets(ListDatasetsRequest request) {
        return call(() -> {
            Page<DatasetViews.DatasetView> page = datasets.list(page(request.hasPage(), request.getPage(),
                    request.hasSize(), request.getSize()), request.hasName() ? request.getName() : null);
            return ListDatasetsResponse.newBuilder().addAllDatasets(page.items().stream().map(MetricsGrpcService::dataset)
                    .toList()).setPage(page.page()).setSize(page.size()).setTotal(page.total()).build();
        });
    }

    @Override
    @RolesAllowed(Roles.READER)
    @Blocking
    public Uni<Dataset> getDataset(DatasetRef request) {
        return call(() -> dataset(datasets.get(request.getId())));
    }

    @Override
    @RolesAllowed(Roles.ADMIN)
    @Blocking
    public Uni<Deleted> deleteDataset(DatasetRef request) {
        return call(() -> {
            datasets.delete(request.getId());
            return Deleted.newBuilder().setId(request.getId()).build();
        });
    }

    @Override
    @RolesAllowed(Roles.READER)
    @Blocking
    public Uni<ListModelsResponse> listModels(ListModelsRequest request) {
        return call(() -> {
            Page<DatasetViews.ModelView> page = datasets.models(request.getId(), page(request.hasPage(),
                    request.getPage(), request.hasSize(), request.getSize()));
            return ListModelsResponse.newBuilder().addAllModels(page.items().stream()
                    .map(m -> Model.newBuilder().setName(m.name()).setTrajectories(m.trajectories()).setTasks(m.tasks())
                            .build()).toList()).setPage(page.page()).setSize(page.size()).setTotal(page.total()).build();
        });
    }

    @Override
    @RolesAllowed(Roles.READER)
    @Blocking
    public Uni<ListTasksResponse> listTasks(ListTasksRequest request) {
        return call(() -> {
            Page<DatasetViews.TaskView> page = datasets.tasks(request.getId(), page(request.hasPage(),
                    request.getPage(), request.hasSize(), request.getSize()));
            return ListTasksResponse.newBuilder().addAllTasks(page.items().stream()
                    .map(t -> Task.newBuilder().setName(t.name()).setTrajectories(t.trajectories()).setModels(t.models())
                            .build()).toList()).setPage(page.page()).setSize(page.size()).setTotal(page.total()).build();
        });
    }

    /** REST's ?page=&size= from a request's optional fields: unset takes REST's default. */
    private static PageRequest page(boolean hasPage, int page, boolean hasSize, int size) {
        return PageRequest.of(hasPage ? page : null, hasSize ? size : null);
    }

    /**
     * The chunks are read as one InputStream by the importer on a worker thread; the blocking
     * iterable requests chunks as the importer consumes them, so the file is never held whole.
     */
    @Override
    @RolesAllowed(Roles.WRITER)
    public Uni<Upload> uploadTrajectories(Multi<UploadChunk> request) {
        return GrpcCalls.onWorker(() -> {
            Iterator<UploadChunk> chunks = request.subscribe().asIterable().iterator();
            UploadHeader h = ChunkedUploadStream.headerChunk(chunks, UploadChunk::hasHeader, "the upload header")
                    .getHeader();
            TrajectoryFormat format;
            try {
                format = TrajectoryFormat.fromName(h.getFormat());
            } catch (IllegalArgumentException e) {
                throw ProblemException.invalid("format", e.getMessage());
            }
            String name = h.getFilename().isBlank() ? "upload.json" : h.getFilename();
            InputStream data = new ChunkedUploadStream<>(chunks, UploadChunk::hasData, UploadChunk::getData);
            DatasetViews.UploadView u = importer.importFile(h.getDataset(), data, name, format,
                    h.hasModel() && !h.getModel().isBlank() ? h.getModel() : null);
            return Upload.newBuilder().setId(u.id()).setDataset(u.dataset()).setFilename(u.fileName())
                    .setFormat(u.format()).setBytes(u.bytes()).setTrajectories(u.trajectories())
                    .setSkipped(u.skipped()).setSeconds(u.seconds()).addAllModels(u.models()).build();
        }, GrpcErrors::toStatus);
    }

    @Override
    @RolesAllowed(Roles.WRITER)
    @Blocking
    public Uni<Analysis> submitAnalysis(SubmitAnalysisRequest r) {
        return call(() -> analysis(analyses.submit(parameters(r))));
    }

    @Override
    @RolesAllowed(Roles.READER)
    @Blocking
    public Uni<Analysis> getAnalysis(AnalysisRef request) {
        return call(() -> analysis(analyses.get(request.getId())));
    }

    @Override
    @RolesAllowed(Roles.READER)
    @Blocking
    public Uni<AnalysisResult> getAnalysisResult(AnalysisRef request) {
        return call(() -> AnalysisResult.newBuilder().setId(request.getId())
                .setResultJson(analyses.stored(request.getId(), false)).build());
    }

    @Override
    @RolesAllowed(Roles.ADMIN)
    @Blocking
    public Uni<Deleted> deleteAnalysis(AnalysisRef request) {
        return call(() -> {
            analyses.delete(request.getId());
            return Deleted.newBuilder().setId(request.getId()).build();
        });
    }

    private static <T> Uni<T> call(Callable<T> body) {
        return GrpcCalls.call(body, GrpcErrors::toStatus);
    }

    static AnalysisParameters parameters(SubmitAnalysisRequest r) {
        return new AnalysisParameters(r.getDataset(), r.getModelsCount() == 0 ? null : r.getModelsList(),
                r.hasReference() ? r.getReference() : null, r.getWeightsCount() == 0 ? null : r.getWeightsList(),
                r.hasEdges() ? r.getEdges() : null, r.hasGed() ? r.getGed() : null,
                r.hasGedExactMaxNodes() ? r.getGedExactMaxNodes() : null, r.hasBootstrap() ? r.getBootstrap() : null,
                r.hasSeed() ? r.getSeed() : null, r.hasSuccessThreshold() ? r.getSuccessThreshold() : null,
                r.hasRps() ? r.getRps() : null, r.hasJudge() ? r.getJudge() : null,
                r.hasSplitTrials() ? r.getSplitTrials() : null,
                r.getToolClassesCount() == 0 ? null : r.getToolClassesMap(),
                r.getDirectionCount() == 0 ? null : r.getDirectionList(),
                r.getFamiliesCount() == 0 ? null : r.getFamiliesMap());
    }

    private static Dataset dataset(DatasetViews.DatasetView d) {
        return Dataset.newBuilder().setId(d.id()).setName(d.name())
                .setDescription(d.description() == null ? "" : d.description())
                .setCreatedAt(d.createdAt() == null ? "" : d.createdAt().toString()).setUploads(d.uploads())
                .setTrajectories(d.trajectories()).setModels(d.models()).setTasks(d.tasks()).build();
    }

    private static Analysis analysis(AnalysisView v) {
        JsonNode p = v.parameters();
        return Analysis.newBuilder().setId(v.id()).setDataset(v.dataset()).setStatus(v.status())
                .setPhase(v.phase() == null ? "" : v.phase()).setProgressDone(v.progress().done())
                .setProgressTotal(v.progress().total()).setError(v.error() == null ? "" : v.error())
                .setAttempts(v.attempts()).setParametersJson(p == null ? "" : p.toString())
                .setCreatedAt(str(v.createdAt())).setStartedAt(str(v.startedAt())).setFinishedAt(str(v.finishedAt()))
                .setSeconds(v.seconds() == null ? 0 : v.seconds()).build();
    }

    private static String str(Object o) {
        return o == null ? "" : o.toString();
    }
}
