package io.distillab.judge;

import static io.distillab.service.support.testing.TestAuth.givenAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.judge.grpc.v1.JudgeServiceGrpc;
import io.distillab.judge.grpc.v1.StageBatchRequest;
import io.distillab.judge.grpc.v1.StageRequest;
import io.distillab.judge.support.JudgeTestProfile;
import io.distillab.judge.support.Requests;
import io.distillab.service.support.testing.TestAuth;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.net.URL;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Limits of issue 14 at their defaults: a batch holds at most 1000 items
 * (distillab.limits.judge-batch-items), a gRPC message at most 16 MiB
 * (quarkus.grpc.server.max-inbound-message-size).
 */
@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class LimitsTest {
    private static final int MAX_ITEMS = 1000;

    @TestHTTPResource
    URL http;

    @Test
    void aRestBatchOverTheItemLimitIs413NamingItems() {
        List<Map<String, Object>> items = Collections.nCopies(MAX_ITEMS + 1, Requests.stage("Booked.", null));
        givenAdmin().contentType(ContentType.JSON).body(Map.of("items", items)).when().post("/api/v1/stages/batch")
                .then().statusCode(413).contentType("application/problem+json")
                .body("field", equalTo("items")).body("limit", equalTo(MAX_ITEMS))
                .body("setting", equalTo("distillab.limits.judge-batch-items"))
                .body("detail", containsString("holds 1001 items"));
        // at the limit it is judged (offline, identical items: one judgment, cached)
        givenAdmin().contentType(ContentType.JSON).body(Map.of("items", items.subList(0, MAX_ITEMS)))
                .when().post("/api/v1/stages/batch").then().statusCode(200);
    }

    @Test
    void grpcRefusesABatchOverTheItemLimitAndAMessageOverTheSizeLimitWithResourceExhausted() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress(http.getHost(), http.getPort()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        try {
            JudgeServiceGrpc.JudgeServiceBlockingStub judge = JudgeServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .withInterceptors(TestAuth.grpcAuthorization(TestAuth.adminBearer()));
            StageRequest booked = StageRequest.newBuilder().setText("Booked.").build();
            StageBatchRequest tooMany = StageBatchRequest.newBuilder()
                    .addAllItems(Collections.nCopies(MAX_ITEMS + 1, booked)).build();
            StatusRuntimeException items = assertThrows(StatusRuntimeException.class,
                    () -> judge.annotateStageBatch(tooMany).forEachRemaining(l -> { }));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, items.getStatus().getCode());
            assertTrue(items.getStatus().getDescription().contains("distillab.limits.judge-batch-items"),
                    items.getStatus().getDescription());

            StageRequest huge = StageRequest.newBuilder().setText("x".repeat(17 << 20)).build();
            StatusRuntimeException size = assertThrows(StatusRuntimeException.class, () -> judge.annotateStage(huge));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, size.getStatus().getCode(), size.getStatus().toString());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
