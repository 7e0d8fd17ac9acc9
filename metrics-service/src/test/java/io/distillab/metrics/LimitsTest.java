package io.distillab.metrics;

import static io.distillab.service.support.testing.TestAuth.givenAdmin;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.service.support.limits.RateLimits;
import io.distillab.service.support.testing.RawHttp;
import io.distillab.service.support.testing.TestAuth;
import io.distillab.metrics.grpc.v1.ListDatasetsRequest;
import io.distillab.metrics.grpc.v1.MetricsGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Limits of issue 14, with the test profile's upload limit of 24 MiB and body limit of 1 MiB:
 * refusals are 413/429 problems naming the setting, also for chunked bodies, and nothing of a
 * refused upload is stored.
 */
@QuarkusTest
@TestProfile(MetricsTestProfile.class)
class LimitsTest {
    private static final long UPLOAD_LIMIT = 24L << 20;
    /** A valid chat-jsonl record of about 16 KB (few, large records: the import is quick). */
    private static final String LINE = "{\"model\":\"m\",\"task\":\"t\",\"trial\":0,\"reward\":1.0,\"messages\":["
            + "{\"role\":\"user\",\"content\":\"hello\"},{\"role\":\"assistant\",\"content\":\""
            + "hi there ".repeat(1800) + "\"}]}\n";

    @Inject
    RateLimits rateLimits;

    private static String auth() {
        return "Authorization: Bearer " + TestAuth.adminKey();
    }

    @Test
    void anUploadWhoseContentLengthIsOverTheLimitIsRefusedBeforeItsBodyWithAProblem() throws Exception {
        long dataset = TestData.newDataset("limit-cl");
        RawHttp.Response r = RawHttp.headOnly(RestAssured.port,
                "POST /api/v1/datasets/" + dataset + "/trajectories?format=chat-jsonl HTTP/1.1\r\nHost: localhost\r\n"
                        + auth() + "\r\nContent-Type: application/x-ndjson\r\nContent-Length: " + (UPLOAD_LIMIT + 1));
        assertEquals(413, r.status(), r.body());
        assertEquals("application/problem+json", r.header("content-type"));
        JsonPath p = JsonPath.from(r.body());
        assertEquals("body", p.getString("field"));
        assertEquals("distillab.limits.upload-bytes", p.getString("setting"));
        assertEquals(UPLOAD_LIMIT, p.getLong("limit"));
    }

    @Test
    void aChunkedUploadIsRefusedWhenItPassesTheLimitAndNothingOfItIsStored() throws Exception {
        long dataset = TestData.newDataset("limit-chunked");
        String head = "POST /api/v1/datasets/" + dataset + "/trajectories?format=chat-jsonl&filename=big.jsonl HTTP/1.1\r\n"
                + "Host: localhost\r\n" + auth() + "\r\nContent-Type: application/x-ndjson";
        // the same lines, well under the limit, are stored: the refusal below is the limit's
        byte[] few = LINE.repeat(3).getBytes(StandardCharsets.UTF_8);
        RawHttp.Response ok = RawHttp.chunked(RestAssured.port, head, i -> i == 0 ? few : null);
        assertEquals(201, ok.status(), ok.body());
        byte[] block = LINE.repeat(4).getBytes(StandardCharsets.UTF_8); // ~64 KB of valid records
        long blocks = UPLOAD_LIMIT / block.length + 2; // just past the limit, then a proper end
        RawHttp.Response r = RawHttp.chunked(RestAssured.port, head, i -> i < blocks ? block : null);
        assertEquals(413, r.status(), r.body());
        assertEquals("application/problem+json", r.header("content-type"));
        assertEquals("distillab.limits.upload-bytes", JsonPath.from(r.body()).getString("setting"));
        // the import's transaction rolled back: only the first, small upload is there
        givenAdmin().when().get("/api/v1/datasets/" + dataset).then().statusCode(200)
                .body("uploads", equalTo(1)).body("trajectories", equalTo(3));
    }

    @Test
    void jsonBodiesHaveTheirOwnSmallerLimitAlsoWhenChunked() throws Exception {
        String head = "POST /api/v1/datasets HTTP/1.1\r\nHost: localhost\r\n" + auth()
                + "\r\nContent-Type: application/json";
        RawHttp.Response declared = RawHttp.headOnly(RestAssured.port, head + "\r\nContent-Length: " + (2 << 20));
        assertEquals(413, declared.status(), declared.body());
        assertEquals("distillab.limits.body-bytes", JsonPath.from(declared.body()).getString("setting"));

        // {"name": "x", "description": "aaaa..." (1.5 MiB)}
        byte[] start = "{\"name\":\"limit-json\",\"description\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] filler = "a".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8);
        RawHttp.Response chunked = RawHttp.chunked(RestAssured.port, head,
                i -> i == 0 ? start : i <= 24 ? filler : i == 25 ? "\"}".getBytes(StandardCharsets.UTF_8) : null);
        assertEquals(413, chunked.status(), chunked.body());
        assertEquals("application/problem+json", chunked.header("content-type"));
        assertEquals("distillab.limits.body-bytes", JsonPath.from(chunked.body()).getString("setting"));
        givenAdmin().queryParam("name", "limit-json").when().get("/api/v1/datasets").then().body("total", equalTo(0));
    }

    @Test
    void aClientOverItsRateGets429WithRetryAfterWhileOthersAndHealthGoOn() {
        RateLimits.Settings normal = rateLimits.settings();
        String reader = TestAuth.jwt("rate-limited-reader", "reader");
        try {
            // 3 at once, then one every 2 s
            rateLimits.use(new RateLimits.Settings(true, 0.5, 3, 100));
            for (int i = 0; i < 3; i++) {
                RestAssured.given().header("Authorization", "Bearer " + reader).when().get("/api/v1/datasets")
                        .then().statusCode(200);
            }
            RestAssured.given().header("Authorization", "Bearer " + reader).when().get("/api/v1/datasets")
                    .then().statusCode(429).contentType("application/problem+json")
                    .header("Retry-After", matchesPattern("[12]"))
                    .body("type", equalTo("https://distillab.io/problems/too-many-requests"));
            // another principal has its own bucket; health is not rate limited
            RestAssured.given().header("Authorization", "Bearer " + TestAuth.jwt("other-reader", "reader"))
                    .when().get("/api/v1/datasets").then().statusCode(200);
            for (int i = 0; i < 5; i++) {
                RestAssured.given().when().get("/q/health/live").then().statusCode(200);
            }
        } finally {
            rateLimits.use(normal);
        }
    }

    @Test
    void aGrpcClientOverItsRateGetsResourceExhaustedWithRetryAfterAndIsServedAfterWaiting() throws Exception {
        RateLimits.Settings normal = rateLimits.settings();
        String reader = "Bearer " + TestAuth.jwt("grpc-rate-limited-reader", "reader");
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", RestAssured.port).usePlaintext().build();
        try {
            MetricsGrpc.MetricsBlockingStub stub = MetricsGrpc.newBlockingStub(channel)
                    .withInterceptors(TestAuth.grpcAuthorization(reader));
            // 2 at once, then one every 4 s (slow enough that a loaded machine does not refill a
            // token between the calls)
            rateLimits.use(new RateLimits.Settings(true, 0.25, 2, 100));
            // REST and gRPC calls of one principal draw on one bucket
            RestAssured.given().header("Authorization", reader).when().get("/api/v1/datasets").then().statusCode(200);
            stub.withDeadlineAfter(30, TimeUnit.SECONDS).listDatasets(ListDatasetsRequest.getDefaultInstance());
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> stub.withDeadlineAfter(30, TimeUnit.SECONDS).listDatasets(ListDatasetsRequest.getDefaultInstance()));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
            assertTrue(refused.getStatus().getDescription().contains("distillab.limits.rate"),
                    refused.getStatus().getDescription());
            String retryAfter = Status.trailersFromThrowable(refused)
                    .get(Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER));
            // a token every 4 s: at most 4 s to wait, rounded up to whole seconds
            assertTrue(retryAfter.matches("[1-4]"), retryAfter);

            Thread.sleep(Long.parseLong(retryAfter) * 1000);
            stub.withDeadlineAfter(30, TimeUnit.SECONDS).listDatasets(ListDatasetsRequest.getDefaultInstance());
        } finally {
            rateLimits.use(normal);
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void listsComeInPagesWithBoundedSizes() throws Exception {
        long dataset = TestData.newDataset("paging");
        TestData.upload(dataset, TestData.tauBench(), "tau-bench", null); // 50 tasks
        String tasks = "/api/v1/datasets/" + dataset + "/tasks";
        givenAdmin().when().get(tasks).then().statusCode(200)
                .body("items", hasSize(20)).body("page", equalTo(0)).body("size", equalTo(20)).body("total", equalTo(50));
        JsonPath second = givenAdmin().queryParam("page", 1).queryParam("size", 20).when().get(tasks).then()
                .statusCode(200).body("items", hasSize(20)).extract().jsonPath();
        JsonPath first = givenAdmin().queryParam("size", 20).when().get(tasks).then().extract().jsonPath();
        assertFalse(first.getList("items.name").contains(second.getString("items[0].name")), "pages do not overlap");
        givenAdmin().queryParam("page", 2).when().get(tasks).then().body("items", hasSize(10));
        givenAdmin().queryParam("page", 3).when().get(tasks).then().body("items", hasSize(0)).body("total", equalTo(50));
        givenAdmin().queryParam("size", 501).when().get(tasks).then().statusCode(400)
                .contentType("application/problem+json").body("field", equalTo("size"));
        givenAdmin().queryParam("page", -1).when().get("/api/v1/analyses").then().statusCode(400)
                .body("field", equalTo("page"));
        givenAdmin().queryParam("size", 0).when().get("/api/v1/api-keys").then().statusCode(400)
                .body("field", equalTo("size"));
        givenAdmin().queryParam("size", 1).when().get("/api/v1/datasets/" + dataset + "/uploads").then()
                .body("items", hasSize(1)).body("total", equalTo(1));
        givenAdmin().queryParam("size", 1).when().get("/api/v1/datasets/" + dataset + "/models").then()
                .body("items[0].name", equalTo("gpt-4o"));
        givenAdmin().when().get("/api/v1/api-keys").then().statusCode(200).body("items.name", org.hamcrest.Matchers.hasItem("local-admin"));
    }

    @Test
    void anUnexpectedErrorAnswers500WithAReferenceAndNothingOfTheException() {
        String body = givenAdmin().when().get("/api/v1/test-only/bug").then().statusCode(500)
                .contentType("application/problem+json")
                .body("detail", containsString("internal error, reference "))
                .body("reference", matchesPattern("[0-9a-f]{12}"))
                .extract().asString();
        assertFalse(body.contains("IllegalStateException"), body);
        assertFalse(body.contains("hunter2"), body);
        assertFalse(body.contains("at io.distillab"), body);
        assertTrue(body.contains(JsonPath.from(body).getString("reference")));
    }
}
