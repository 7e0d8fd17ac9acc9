package io.distillab.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.distillab.trainer.grpc.v1.Job;
import io.distillab.trainer.grpc.v1.JobEvent;
import io.distillab.trainer.grpc.v1.JobRef;
import io.distillab.trainer.grpc.v1.ListJobsRequest;
import io.distillab.trainer.grpc.v1.ListJobsResponse;
import io.distillab.trainer.grpc.v1.SubmitJobRequest;
import io.distillab.trainer.grpc.v1.TrainerGrpc;
import io.distillab.trainer.grpc.v1.UploadJobChunk;
import io.distillab.trainer.grpc.v1.UploadJobHeader;
import io.distillab.trainer.grpc.v1.WatchJobRequest;
import io.distillab.service.support.testing.TestAuth;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Following a job as it trains: server-sent events (every step in order, the status changes, the end;
 * Last-Event-ID resumes), and the gRPC API with a plain grpc-java client on the HTTP port.
 */
@QuarkusTest
@TestProfile(TrainerTestProfile.class)
class GrpcAndEventsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL base;

    private ManagedChannel channel;
    private TrainerGrpc.TrainerBlockingStub blocking;
    private TrainerGrpc.TrainerStub async;

    @BeforeEach
    void connect() throws Exception {
        TestData.useDoubles();
        TestMetricsService.dataset(41, TestData.chatJsonl(4));
        channel = NettyChannelBuilder.forAddress("localhost", base.getPort()).usePlaintext().build();
        blocking = TrainerGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES)
                .withInterceptors(TestAuth.grpcAuthorization(TestAuth.adminBearer()));
        async = TrainerGrpc.newStub(channel).withInterceptors(TestAuth.grpcAuthorization(TestAuth.adminBearer()));
    }

    @AfterEach
    void close() throws InterruptedException {
        ScriptedTrainingEngine.stepMillis = 0;
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void serverSentEventsCarryEveryStepThenTheEnd() throws Exception {
        ScriptedTrainingEngine.stepMillis = 60;
        long id = TestData.submitUpload(TestData.params("steps", 8, "seed", 5));
        List<String[]> events = sse(id, null);
        List<Long> steps = new ArrayList<>();
        List<String> statuses = new ArrayList<>();
        for (String[] e : events) {
            JsonNode data = JSON.readTree(e[2]);
            if (e[0].equals("step")) {
                steps.add(data.get("step").asLong());
                assertEquals(e[1], data.get("step").asText());
                assertEquals(ScriptedTrainingEngine.loss(5, data.get("step").asLong()), data.get("loss").asDouble(), 1e-12);
            } else {
                assertEquals("status", e[0]);
                statuses.add(data.get("status").asText());
            }
        }
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), steps);
        assertEquals("succeeded", statuses.get(statuses.size() - 1), statuses.toString());
        assertTrue(events.get(events.size() - 1)[0].equals("status"), "the stream ends with the final status");

        // reconnecting with Last-Event-ID gets the steps after it only
        List<Long> after = sse(id, "5").stream().filter(e -> e[0].equals("step")).map(e -> Long.parseLong(e[1])).toList();
        assertEquals(List.of(6L, 7L, 8L), after);
    }

    /** Reads the event stream to its end: (event, id, data) triples. */
    private List<String[]> sse(long id, String lastEventId) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + "api/v1/jobs/" + id + "/events"))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + TestAuth.jwt("sse", "reader"))
                .timeout(Duration.ofMinutes(1));
        if (lastEventId != null) {
            r.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(r.build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        List<String[]> events = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String event = "message";
            String eventId = null;
            StringBuilder data = new StringBuilder();
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        events.add(new String[] {event, eventId, data.toString()});
                    }
                    event = "message";
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).strip();
                } else if (line.startsWith("id:")) {
                    eventId = line.substring(3).strip();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                }
            }
        }
        return events;
    }

    @Test
    void theSameJobsOverGrpc() throws Exception {
        // on a dataset
        Job submitted = blocking.submitJob(SubmitJobRequest.newBuilder()
                .setParametersJson(TestData.json(TestData.params("dataset", 41, "seed", 2))).build());
        assertEquals("queued", submitted.getStatus());
        // with an uploaded file, in chunks
        ScriptedTrainingEngine.stepMillis = 40;
        CompletableFuture<Job> uploaded = new CompletableFuture<>();
        StreamObserver<UploadJobChunk> out = async.uploadJob(observer(uploaded));
        out.onNext(UploadJobChunk.newBuilder().setHeader(UploadJobHeader.newBuilder()
                .setParametersJson(TestData.json(TestData.params("steps", 5))).setFilename("small.jsonl")).build());
        byte[] file = TestData.smallUpload();
        for (int i = 0; i < file.length; i += 4096) {
            out.onNext(UploadJobChunk.newBuilder().setData(ByteString.copyFrom(Arrays.copyOfRange(file, i,
                    Math.min(file.length, i + 4096)))).build());
        }
        out.onCompleted();
        Job job = uploaded.get(2, TimeUnit.MINUTES);

        // the streaming call: every step, then the end
        Iterator<JobEvent> watch = blocking.watchJob(WatchJobRequest.newBuilder().setId(job.getId()).build());
        List<Long> steps = new ArrayList<>();
        String last = null;
        while (watch.hasNext()) {
            JobEvent e = watch.next();
            if (e.getType().equals("step")) {
                steps.add(e.getStep());
            } else {
                last = JSON.readTree(e.getJson()).get("status").asText();
            }
        }
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), steps);
        assertEquals("succeeded", last);

        Job done = blocking.getJob(JobRef.newBuilder().setId(job.getId()).build());
        assertEquals(ScriptedTrainingEngine.loss(0, 5), done.getFinalLoss(), 1e-12);
        assertEquals(5, JSON.readTree(done.getLatestMetricsJson()).get("step").asInt());
        JsonNode curve = JSON.readTree(blocking.getLossCurve(JobRef.newBuilder().setId(job.getId()).build()).getJson());
        assertEquals(5, curve.get("loss").size());
        assertTrue(blocking.listJobs(ListJobsRequest.newBuilder().setSize(100).build()).getJobsList().stream()
                .anyMatch(j -> j.getId() == submitted.getId()));
        // pages, with REST's envelope, defaults and bounds
        ListJobsResponse firstTwenty = blocking.listJobs(ListJobsRequest.getDefaultInstance());
        assertEquals(0, firstTwenty.getPage());
        assertEquals(20, firstTwenty.getSize());
        assertTrue(firstTwenty.getTotal() >= 2 && firstTwenty.getJobsCount() >= 2, firstTwenty.toString());
        ListJobsResponse second = blocking.listJobs(ListJobsRequest.newBuilder().setPage(1).setSize(1).build());
        assertEquals(List.of(1, 1, firstTwenty.getTotal()), List.of(second.getPage(), second.getSize(), second.getTotal()));
        assertEquals(List.of(firstTwenty.getJobs(1).getId()), second.getJobsList().stream().map(Job::getId).toList());
        for (ListJobsRequest outOfRange : List.of(ListJobsRequest.newBuilder().setSize(0).build(),
                ListJobsRequest.newBuilder().setSize(501).build(), ListJobsRequest.newBuilder().setPage(-1).build())) {
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> blocking.listJobs(outOfRange));
            assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
            assertEquals(outOfRange.hasPage() ? "page" : "size",
                    refused.getTrailers().get(Metadata.Key.of("x-field", Metadata.ASCII_STRING_MARSHALLER)));
        }
        TestData.await(submitted.getId(), Duration.ofMinutes(1));
        assertEquals(submitted.getId(), blocking.deleteJob(JobRef.newBuilder().setId(submitted.getId()).build()).getId());

        // refusals: the status and the field
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> blocking.submitJob(
                SubmitJobRequest.newBuilder().setParametersJson(TestData.json(TestData.params("dataset", 41,
                        "batchSize", -1))).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        assertEquals("batchSize", bad.getTrailers().get(Metadata.Key.of("x-field", Metadata.ASCII_STRING_MARSHALLER)));
        StatusRuntimeException gpu = assertThrows(StatusRuntimeException.class, () -> blocking.submitJob(
                SubmitJobRequest.newBuilder().setParametersJson(TestData.json(TestData.params("dataset", 41,
                        "device", "cuda"))).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, gpu.getStatus().getCode());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class,
                () -> blocking.getJob(JobRef.newBuilder().setId(987654).build())).getStatus().getCode());
    }

    private static <T> StreamObserver<T> observer(CompletableFuture<T> done) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                done.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }
}
