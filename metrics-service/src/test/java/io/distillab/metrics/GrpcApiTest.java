package io.distillab.metrics;

import io.distillab.service.support.testing.TestAuth;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.distillab.core.analysis.AnalysisOptions;
import io.distillab.metrics.grpc.v1.AnalysisRef;
import io.distillab.metrics.grpc.v1.CreateDatasetRequest;
import io.distillab.metrics.grpc.v1.DatasetRef;
import io.distillab.metrics.grpc.v1.ListDatasetsRequest;
import io.distillab.metrics.grpc.v1.ListDatasetsResponse;
import io.distillab.metrics.grpc.v1.ListModelsRequest;
import io.distillab.metrics.grpc.v1.ListModelsResponse;
import io.distillab.metrics.grpc.v1.ListTasksRequest;
import io.distillab.metrics.grpc.v1.ListTasksResponse;
import io.distillab.metrics.grpc.v1.MetricsGrpc;
import io.distillab.metrics.grpc.v1.Task;
import io.distillab.metrics.grpc.v1.SubmitAnalysisRequest;
import io.distillab.metrics.grpc.v1.Upload;
import io.distillab.metrics.grpc.v1.UploadChunk;
import io.distillab.metrics.grpc.v1.UploadHeader;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gRPC API, with a plain grpc-java client on the service's HTTP port. */
@QuarkusTest
@TestProfile(MetricsTestProfile.class)
class GrpcApiTest {
    @TestHTTPResource("/")
    URL base;

    private ManagedChannel channel;
    private MetricsGrpc.MetricsBlockingStub blocking;
    private MetricsGrpc.MetricsStub async;

    @BeforeEach
    void connect() {
        channel = NettyChannelBuilder.forAddress("localhost", base.getPort()).usePlaintext().build();
        blocking = MetricsGrpc.newBlockingStub(channel).withDeadlineAfter(3, TimeUnit.MINUTES)
                .withInterceptors(TestAuth.grpcAuthorization(TestAuth.adminBearer()));
        async = MetricsGrpc.newStub(channel).withInterceptors(TestAuth.grpcAuthorization(TestAuth.adminBearer()));
    }

    @AfterEach
    void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private Upload upload(long dataset, byte[] file, String format, String name) throws Exception {
        CompletableFuture<Upload> done = new CompletableFuture<>();
        StreamObserver<UploadChunk> out = async.uploadTrajectories(new StreamObserver<>() {
            @Override
            public void onNext(Upload value) {
                done.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        out.onNext(UploadChunk.newBuilder().setHeader(UploadHeader.newBuilder().setDataset(dataset).setFormat(format)
                .setFilename(name)).build());
        for (int from = 0; from < file.length; from += 64 * 1024) {
            out.onNext(UploadChunk.newBuilder().setData(ByteString.copyFrom(file, from,
                    Math.min(64 * 1024, file.length - from))).build());
        }
        out.onCompleted();
        try {
            return done.get(2, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    @Test
    void datasetsUploadsAndAnalysesOverGrpc() throws Exception {
        String name = "grpc-" + System.nanoTime();
        long dataset = blocking.createDataset(CreateDatasetRequest.newBuilder().setName(name).build()).getId();
        StatusRuntimeException taken = assertThrows(StatusRuntimeException.class,
                () -> blocking.createDataset(CreateDatasetRequest.newBuilder().setName(name).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, taken.getStatus().getCode());

        byte[] file = Files.readAllBytes(TestData.tauBench());
        Upload u = upload(dataset, file, "tau-bench", "gpt-4o-airline.json");
        assertEquals(200, u.getTrajectories());
        assertEquals(file.length, u.getBytes());
        ListModelsResponse models = blocking.listModels(ListModelsRequest.newBuilder().setId(dataset).build());
        assertEquals("gpt-4o", models.getModels(0).getName());
        assertEquals(List.of(0, 20, 1L), List.of(models.getPage(), models.getSize(), models.getTotal()));
        ListDatasetsResponse named = blocking.listDatasets(ListDatasetsRequest.newBuilder().setName(name).build());
        assertEquals(1, named.getTotal());
        assertEquals(200, named.getDatasets(0).getTrajectories());
        assertEquals(dataset, named.getDatasets(0).getId());

        long id = blocking.submitAnalysis(SubmitAnalysisRequest.newBuilder().setDataset(dataset).setSplitTrials(true)
                .setGed(true).build()).getId();
        AnalysisRef ref = AnalysisRef.newBuilder().setId(id).build();
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!blocking.getAnalysis(ref).getStatus().equals("done") && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        assertEquals("done", blocking.getAnalysis(ref).getStatus());
        assertEquals(InProcess.analyze(AnalysisOptions.defaults().withGed(true),
                        t -> t.withModel(t.model() + "/trial-" + t.trial()), t -> { }, "tau-bench", TestData.tauBench()),
                InProcess.JSON.readTree(blocking.getAnalysisResult(ref).getResultJson()));
        assertEquals(id, blocking.deleteAnalysis(ref).getId());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class,
                () -> blocking.getAnalysis(ref)).getStatus().getCode());
        blocking.deleteDataset(DatasetRef.newBuilder().setId(dataset).build());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class,
                () -> blocking.getDataset(DatasetRef.newBuilder().setId(dataset).build())).getStatus().getCode());
    }

    @Test
    void listsComeInPagesLikeRestAndRefuseSizesOutOfRangeNamingTheField() throws Exception {
        long dataset = blocking.createDataset(CreateDatasetRequest.newBuilder().setName("grpc-pages-" + System.nanoTime())
                .build()).getId();
        upload(dataset, Files.readAllBytes(TestData.tauBench()), "tau-bench", "gpt-4o-airline.json");
        // the file's 50 tasks, in name order (REST's order): the pages are slices of this list
        List<String> all = blocking.listTasks(ListTasksRequest.newBuilder().setId(dataset).setSize(500).build())
                .getTasksList().stream().map(Task::getName).toList();
        assertEquals(50, all.size());
        assertEquals(all.stream().sorted().toList(), all);

        ListTasksResponse first = blocking.listTasks(ListTasksRequest.newBuilder().setId(dataset).build());
        assertEquals(List.of(0, 20, 50L), List.of(first.getPage(), first.getSize(), first.getTotal()));
        assertEquals(all.subList(0, 20), first.getTasksList().stream().map(Task::getName).toList());
        ListTasksResponse second = blocking.listTasks(ListTasksRequest.newBuilder().setId(dataset).setPage(1).build());
        assertEquals(all.subList(20, 40), second.getTasksList().stream().map(Task::getName).toList());
        ListTasksResponse last = blocking.listTasks(ListTasksRequest.newBuilder().setId(dataset).setPage(2).build());
        assertEquals(all.subList(40, 50), last.getTasksList().stream().map(Task::getName).toList());
        assertEquals(50, last.getTotal());

        ListDatasetsResponse one = blocking.listDatasets(ListDatasetsRequest.newBuilder().setSize(1).build());
        assertEquals(1, one.getDatasetsCount());
        assertTrue(one.getTotal() >= 1);

        // a client built before paging sends ListModels a DatasetRef: same field 1, the first page
        MethodDescriptor<DatasetRef, ListModelsResponse> oldListModels = MetricsGrpc.getListModelsMethod().toBuilder(
                ProtoUtils.marshaller(DatasetRef.getDefaultInstance()),
                ProtoUtils.marshaller(ListModelsResponse.getDefaultInstance())).build();
        ListModelsResponse old = ClientCalls.blockingUnaryCall(
                ClientInterceptors.intercept(channel, TestAuth.grpcAuthorization(TestAuth.adminBearer())),
                oldListModels, CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.MINUTES),
                DatasetRef.newBuilder().setId(dataset).build());
        assertEquals("gpt-4o", old.getModels(0).getName());
        assertEquals(20, old.getSize());

        Metadata.Key<String> field = Metadata.Key.of("x-field", Metadata.ASCII_STRING_MARSHALLER);
        for (ListTasksRequest outOfRange : List.of(ListTasksRequest.newBuilder().setId(dataset).setSize(501).build(),
                ListTasksRequest.newBuilder().setId(dataset).setSize(0).build(),
                ListTasksRequest.newBuilder().setId(dataset).setPage(-1).build())) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> blocking.listTasks(outOfRange));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            String expected = outOfRange.hasPage() ? "page" : "size";
            assertEquals(expected, e.getTrailers().get(field));
            assertTrue(e.getStatus().getDescription().startsWith(expected + ": "), e.getStatus().getDescription());
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> blocking.listDatasets(ListDatasetsRequest.newBuilder().setSize(501).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals("size", e.getTrailers().get(field));
        e = assertThrows(StatusRuntimeException.class,
                () -> blocking.listModels(ListModelsRequest.newBuilder().setId(dataset).setSize(501).build()));
        assertEquals("size", e.getTrailers().get(field));
        blocking.deleteDataset(DatasetRef.newBuilder().setId(dataset).build());
    }

    @Test
    void badInputIsInvalidArgumentNamingFieldAndRecord() throws Exception {
        long dataset = blocking.createDataset(CreateDatasetRequest.newBuilder().setName("grpc-bad-" + System.nanoTime())
                .build()).getId();
        String jsonl = "{\"model\": \"m\", \"task\": \"t\", \"trial\": 0, \"reward\": 1, \"messages\": []}\n"
                + "{\"model\": \"m\", \"task\": \"t\", \"trial\": \"x\", \"reward\": 1, \"messages\": []}\n";
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class,
                () -> upload(dataset, jsonl.getBytes(), "chat-jsonl", "runs.jsonl"));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        Metadata trailers = bad.getTrailers();
        assertEquals("line 2", trailers.get(Metadata.Key.of("x-record", Metadata.ASCII_STRING_MARSHALLER)));
        assertEquals("trial", trailers.get(Metadata.Key.of("x-field", Metadata.ASCII_STRING_MARSHALLER)));
        assertEquals(0, blocking.getDataset(DatasetRef.newBuilder().setId(dataset).build()).getTrajectories());

        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                () -> upload(dataset, jsonl.getBytes(), "csv", "runs.jsonl")).getStatus().getCode());
        StatusRuntimeException weights = assertThrows(StatusRuntimeException.class, () -> blocking.submitAnalysis(
                SubmitAnalysisRequest.newBuilder().setDataset(dataset).addWeights(1).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, weights.getStatus().getCode());
        assertEquals("weights", weights.getTrailers().get(Metadata.Key.of("x-field", Metadata.ASCII_STRING_MARSHALLER)));
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class,
                () -> blocking.getAnalysisResult(AnalysisRef.newBuilder().setId(987654).build())).getStatus().getCode());
    }
}
