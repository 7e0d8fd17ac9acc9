package io.distillab.judge;

import io.distillab.service.support.testing.TestAuth;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.judge.grpc.v1.BatchLine;
import io.distillab.judge.grpc.v1.ChatMessage;
import io.distillab.judge.grpc.v1.EdgeRequest;
import io.distillab.judge.grpc.v1.JudgeServiceGrpc;
import io.distillab.judge.grpc.v1.Judgment;
import io.distillab.judge.grpc.v1.RpsBatchRequest;
import io.distillab.judge.grpc.v1.RpsRequest;
import io.distillab.judge.grpc.v1.StageRequest;
import io.distillab.judge.grpc.v1.ToolCall;
import io.distillab.judge.support.JudgeTestProfile;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** gRPC on the HTTP port, through a plain grpc-java client. */
@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class JudgeGrpcTest {

    @TestHTTPResource
    URL http;

    ManagedChannel channel;
    JudgeServiceGrpc.JudgeServiceBlockingStub judge;

    @BeforeEach
    void connect() {
        channel = NettyChannelBuilder.forAddress(http.getHost(), http.getPort()).usePlaintext().build();
        judge = JudgeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                .withInterceptors(TestAuth.grpcAuthorization(TestAuth.adminBearer()));
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void annotatesAStage() {
        Judgment j = judge.annotateStage(StageRequest.newBuilder()
                .setText("Your reservation has been cancelled successfully. Anything else I can do?").build());
        assertEquals("ok", j.getStatus());
        assertEquals("notification", j.getStage().getStage());
        assertTrue(j.getJudge().getOffline());
        assertEquals("offline-stage-v1", j.getJudge().getPromptVersion());
    }

    @Test
    void validatesAnEdge() {
        Judgment j = judge.validateEdge(EdgeRequest.newBuilder().setValue("NO6JO3")
                .setSource(ToolCall.newBuilder().setName("get_user_details").setArgumentsJson("{\"user_id\":\"u1\"}")
                        .setOutput("{\"reservations\": [\"NO6JO3\"]}"))
                .setTarget(ToolCall.newBuilder().setName("cancel_reservation").setArgumentsJson("{\"reservation_id\":\"NO6JO3\"}"))
                .addMessagesBefore(ChatMessage.newBuilder().setRole("user").setContent("Cancel my last trip."))
                .build());
        assertEquals("genuine", j.getEdge().getVerdict());
    }

    @Test
    void streamsABatch() {
        RpsBatchRequest.Builder batch = RpsBatchRequest.newBuilder();
        for (int i = 0; i < 3; i++) {
            batch.addItems(RpsRequest.newBuilder().setStage("execution").addMessagesA("Booking flight " + i + " now.")
                    .addMessagesB("I am booking flight " + i + "."));
        }
        List<BatchLine> lines = new ArrayList<>();
        judge.scoreRpsBatch(batch.build()).forEachRemaining(lines::add);
        Set<Integer> indexes = new TreeSet<>();
        for (BatchLine line : lines) {
            indexes.add(line.getIndex());
            assertEquals("ok", line.getJudgment().getStatus());
            assertTrue(line.getJudgment().getRps().getOverall() >= 1);
        }
        assertEquals(Set.of(0, 1, 2), indexes);
    }

    @Test
    void invalidInputIsInvalidArgumentNamingTheField() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> judge.scoreRps(RpsRequest.newBuilder().setStage("execution").addMessagesA("a").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("messagesB"), e.getStatus().getDescription());

        StatusRuntimeException batch = assertThrows(StatusRuntimeException.class, () -> judge.scoreRpsBatch(
                RpsBatchRequest.newBuilder().addItems(RpsRequest.newBuilder().setStage("nope")).build()).hasNext());
        assertEquals(Status.Code.INVALID_ARGUMENT, batch.getStatus().getCode());
    }
}
