package io.distillab.judge;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.distillab.judge.grpc.v1.JudgeServiceGrpc;
import io.distillab.judge.grpc.v1.StageRequest;
import io.distillab.judge.support.JudgeTestProfile;
import io.distillab.judge.support.Requests;
import io.distillab.service.support.testing.AuthTestResource;
import io.distillab.service.support.testing.TestAuth;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Who may call what, with security on: every judging endpoint (REST and gRPC) needs the writer role
 * (judgments may cost provider money); tokens are API keys from this service's database or JWTs
 * signed in the test and checked against the WireMock issuer's JWKS ({@link AuthTestResource}).
 */
@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class AccessTest {
    @TestHTTPResource("/")
    URL http;

    /** Each judging endpoint with a valid body for the offline judge. */
    private static final Map<String, Object> ENDPOINTS = Map.of(
            "/api/v1/stages", Requests.stage("Your reservation is cancelled.", "offline"),
            "/api/v1/rps", Requests.rps("execution", List.of("Booked."), List.of("Done, booked."), "offline"),
            "/api/v1/edges", Requests.edge("ZFA04Y", "Please cancel my trip.", "offline"),
            "/api/v1/stages/batch", Map.of("items", List.of(Requests.stage("Hello!", "offline"))),
            "/api/v1/rps/batch", Map.of("items", List.of(Requests.rps("execution", List.of("a"), List.of("b"), "offline"))),
            "/api/v1/edges/batch", Map.of("items", List.of(Requests.edge("ZFA04Y", "Cancel it.", "offline"))));

    private static int status(String authorization, String path, Object body) {
        RequestSpecification r = RestAssured.given().contentType(ContentType.JSON).body(body);
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        return r.when().post(path).then().extract().statusCode();
    }

    private static void eachEndpoint(String authorization, int expected) {
        ENDPOINTS.forEach((path, body) -> assertEquals(expected, status(authorization, path, body),
                path + " with " + (authorization == null ? "no token" : authorization.substring(0, 12) + "...")));
    }

    @Test
    void withoutATokenEveryEndpointAnswers401ProblemJson() {
        eachEndpoint(null, 401);
        RestAssured.given().contentType(ContentType.JSON).body(ENDPOINTS.get("/api/v1/stages"))
                .when().post("/api/v1/stages")
                .then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer").body("title", equalTo("Unauthenticated"));
    }

    @Test
    void readersAreRefusedWritersAndAdminsJudge() {
        eachEndpoint("Bearer " + TestAuth.jwt("rita", "reader"), 403);
        eachEndpoint("Bearer " + TestAuth.jwt("walt", "writer"), 200);
        eachEndpoint("Bearer " + TestAuth.jwt("ada", "admin"), 200);
        eachEndpoint(TestAuth.adminBearer(), 200);
        RestAssured.given().header("Authorization", "Bearer " + TestAuth.jwt("rita", "reader"))
                .contentType(ContentType.JSON).body(ENDPOINTS.get("/api/v1/stages")).when().post("/api/v1/stages")
                .then().statusCode(403).contentType("application/problem+json").body("status", equalTo(403));
    }

    @Test
    void tokensThatAreNotTheIssuersAreRefused() {
        Instant past = Instant.now().minus(Duration.ofMinutes(1));
        eachEndpoint("Bearer " + TestAuth.jwt(AuthTestResource.ISSUER, "walt", past, "writer"), 401);
        eachEndpoint("Bearer " + TestAuth.jwt("https://someone-else.example", "walt",
                Instant.now().plus(Duration.ofMinutes(5)), "writer"), 401);
        String writer = TestAuth.jwt("walt", "writer");
        String tampered = writer.substring(0, writer.lastIndexOf('.') + 1) + "AAAA" + writer.substring(writer.lastIndexOf('.') + 5);
        eachEndpoint("Bearer " + tampered, 401);
        eachEndpoint("Bearer dlk_not-a-key-this-service-made", 401);
        eachEndpoint("Basic " + java.util.Base64.getEncoder().encodeToString("admin:admin".getBytes()), 401);
        // roles under another claim than the configured one (distillab_roles) do not count
        eachEndpoint("Bearer " + io.smallrye.jwt.build.Jwt.issuer(AuthTestResource.ISSUER).subject("r")
                .claim("roles", List.of("writer")).expiresIn(300).jws().keyId(AuthTestResource.KEY_ID)
                .sign(TestAuth.issuerKey()), 403);
    }

    @Test
    void adminsMakeAndRevokeKeysWhichCarryTheirRole() {
        String name = "ci-" + System.nanoTime();
        String reader = TestAuth.givenAdmin().contentType(ContentType.JSON)
                .body(Map.of("name", name + "-r", "role", "reader")).when().post("/api/v1/api-keys")
                .then().statusCode(201).body("role", equalTo("reader")).extract().path("key");
        String writer = TestAuth.givenAdmin().contentType(ContentType.JSON)
                .body(Map.of("name", name + "-w", "role", "writer")).when().post("/api/v1/api-keys")
                .then().statusCode(201).extract().path("key");
        eachEndpoint("Bearer " + reader, 403);
        eachEndpoint("Bearer " + writer, 200);
        // only admins manage keys; the list never shows a key or its hash
        RestAssured.given().header("Authorization", "Bearer " + writer).when().get("/api/v1/api-keys")
                .then().statusCode(403);
        String listed = TestAuth.givenAdmin().when().get("/api/v1/api-keys").then().statusCode(200).extract().asString();
        assertEquals(false, listed.contains(writer.substring(4)), listed);
        assertEquals(false, listed.contains(io.distillab.service.support.auth.ApiKeys.hash(writer)), listed);
        TestAuth.givenAdmin().contentType(ContentType.JSON).body(Map.of("name", name + "-w", "role", "writer"))
                .when().post("/api/v1/api-keys").then().statusCode(409).contentType("application/problem+json");
        TestAuth.givenAdmin().contentType(ContentType.JSON).body(Map.of("name", name, "role", "root"))
                .when().post("/api/v1/api-keys").then().statusCode(400).body("field", equalTo("role"));
        TestAuth.givenAdmin().when().delete("/api/v1/api-keys/" + name + "-w").then().statusCode(204);
        eachEndpoint("Bearer " + writer, 401);
    }

    @Test
    void healthStaysOpen() {
        RestAssured.given().when().get("/q/health/ready").then().statusCode(200);
        RestAssured.given().when().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void grpcCallsNeedAWriter() throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress(http.getHost(), http.getPort()).usePlaintext().build();
        try {
            StageRequest request = StageRequest.newBuilder().setText("Your reservation is cancelled.").build();
            UnaryOperator<JudgeServiceGrpc.JudgeServiceBlockingStub> deadline = s -> s.withDeadlineAfter(60, TimeUnit.SECONDS);
            JudgeServiceGrpc.JudgeServiceBlockingStub anonymous = deadline.apply(JudgeServiceGrpc.newBlockingStub(channel));
            Status none = assertThrows(StatusRuntimeException.class, () -> anonymous.annotateStage(request)).getStatus();
            // Quarkus's gRPC security answers a call without credentials PERMISSION_DENIED (not
            // UNAUTHENTICATED as REST's 401); a bad credential is UNAUTHENTICATED
            assertEquals(Status.Code.PERMISSION_DENIED, none.getCode(), none.toString());
            JudgeServiceGrpc.JudgeServiceBlockingStub reader = anonymous.withInterceptors(
                    TestAuth.grpcAuthorization("Bearer " + TestAuth.jwt("rita", "reader")));
            assertEquals(Status.Code.PERMISSION_DENIED,
                    assertThrows(StatusRuntimeException.class, () -> reader.annotateStage(request)).getStatus().getCode());
            JudgeServiceGrpc.JudgeServiceBlockingStub bogus = anonymous.withInterceptors(
                    TestAuth.grpcAuthorization("Bearer dlk_not-a-key-this-service-made"));
            assertEquals(Status.Code.UNAUTHENTICATED,
                    assertThrows(StatusRuntimeException.class, () -> bogus.annotateStage(request)).getStatus().getCode());
            JudgeServiceGrpc.JudgeServiceBlockingStub writer = anonymous.withInterceptors(
                    TestAuth.grpcAuthorization("Bearer " + TestAuth.jwt("walt", "writer")));
            assertEquals("ok", writer.annotateStage(request).getStatus());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
