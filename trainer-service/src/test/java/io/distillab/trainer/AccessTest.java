package io.distillab.trainer;

import static io.distillab.service.support.testing.TestAuth.givenAdmin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.service.support.testing.AuthTestResource;
import io.distillab.service.support.testing.TestAuth;
import io.distillab.trainer.grpc.v1.JobRef;
import io.distillab.trainer.grpc.v1.ListJobsRequest;
import io.distillab.trainer.grpc.v1.SubmitJobRequest;
import io.distillab.trainer.grpc.v1.TrainerGrpc;
import io.distillab.trainer.grpc.v1.WatchJobRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Who may call what on trainer-service, with security on: each endpoint is called without a token
 * and with bad ones (401), with the role just below its own (403) and with its own (neither), both
 * as JWTs from the test issuer and as API keys made through the service's api-keys resource. Ids
 * that do not exist and bodies that are refused keep the calls from changing anything.
 */
@QuarkusTest
@TestProfile(TrainerTestProfile.class)
class AccessTest {
    @TestHTTPResource("/")
    URL base;

    @Inject
    DataSource dataSource;

    private record Endpoint(String method, String path, String contentType, String body, String role) {
    }

    private static final long MISSING = 987_654_321L;
    private static final String JOB = "/api/v1/jobs/" + MISSING;
    private static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("GET", "/api/v1/jobs", null, null, "reader"),
            new Endpoint("GET", JOB, null, null, "reader"),
            new Endpoint("GET", JOB + "/transitions", null, null, "reader"),
            new Endpoint("GET", JOB + "/attempts", null, null, "reader"),
            new Endpoint("GET", JOB + "/loss", null, null, "reader"),
            new Endpoint("GET", JOB + "/loss.svg", null, null, "reader"),
            new Endpoint("GET", JOB + "/report", null, null, "reader"),
            new Endpoint("GET", JOB + "/page", null, null, "reader"),
            new Endpoint("GET", JOB + "/student", null, null, "reader"),
            new Endpoint("GET", JOB + "/events", null, null, "reader"),
            // submissions refused for their content (no steps, no parameters, no data part)
            new Endpoint("POST", "/api/v1/jobs", "application/json", "{}", "writer"),
            new Endpoint("POST", "/api/v1/jobs", "application/x-ndjson", "{}", "writer"),
            new Endpoint("POST", "/api/v1/jobs", "multipart/form-data; boundary=b", "--b--\r\n", "writer"),
            new Endpoint("POST", JOB + "/cancel", null, null, "writer"),
            new Endpoint("DELETE", JOB, null, null, "admin"),
            new Endpoint("GET", "/api/v1/api-keys", null, null, "admin"),
            new Endpoint("POST", "/api/v1/api-keys", "application/json", "{\"name\":\"\",\"role\":\"reader\"}", "admin"),
            new Endpoint("DELETE", "/api/v1/api-keys/nobody", null, null, "admin"));

    private static final Map<String, String> BELOW = Map.of("writer", "reader", "admin", "writer");
    /** An API key per role, made by the local admin through the api-keys resource. */
    private static final Map<String, String> KEYS = new LinkedHashMap<>();

    /** Made at the first test that needs them (REST Assured points at the app only once it runs). */
    private static synchronized Map<String, String> keys() {
        if (!KEYS.isEmpty()) {
            return KEYS;
        }
        for (String role : List.of("reader", "writer")) {
            String name = "access-" + role + "-" + System.nanoTime();
            KEYS.put(role, givenAdmin().contentType("application/json")
                    .body(Map.of("name", name, "role", role)).when().post("/api/v1/api-keys")
                    .then().statusCode(201).extract().jsonPath().getString("key"));
        }
        KEYS.put("admin", TestAuth.adminKey());
        return KEYS;
    }

    private static Response call(Endpoint e, String authorization) {
        RequestSpecification r = RestAssured.given();
        if (e.contentType() != null) {
            r.contentType(e.contentType()).body(e.body().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        return r.when().request(e.method(), e.path()).andReturn();
    }

    @Test
    void everyEndpointNeedsItsRole() {
        String foreignIssuer = TestAuth.jwt("https://other.issuer.test", "mallory",
                Instant.now().plus(Duration.ofMinutes(5)), "admin");
        String expired = TestAuth.jwt(AuthTestResource.ISSUER, "late", Instant.now().minus(Duration.ofMinutes(5)), "admin");
        for (Endpoint e : ENDPOINTS) {
            String what = e.method() + " " + e.path() + (e.contentType() == null ? "" : " (" + e.contentType() + ")");
            Response none = call(e, null);
            assertEquals(401, none.statusCode(), what + " without a token");
            assertEquals("application/problem+json", none.contentType(), what + " without a token");
            assertEquals("Bearer", none.header("WWW-Authenticate"), what + " without a token");
            assertEquals(401, call(e, "Bearer dlk_unknown-key").statusCode(), what + " with an unknown key");
            assertEquals(401, call(e, "Bearer " + foreignIssuer).statusCode(), what + " with another issuer's JWT");
            assertEquals(401, call(e, "Bearer " + expired).statusCode(), what + " with an expired JWT");
            if (BELOW.containsKey(e.role())) {
                String below = BELOW.get(e.role());
                Response jwt = call(e, "Bearer " + TestAuth.jwt("low", below));
                assertEquals(403, jwt.statusCode(), what + " as " + below + " (JWT)");
                assertEquals("application/problem+json", jwt.contentType(), what + " as " + below);
                assertEquals(403, call(e, "Bearer " + keys().get(below)).statusCode(), what + " as " + below + " (API key)");
            }
            for (String token : List.of(TestAuth.jwt("ok", e.role()), keys().get(e.role()))) {
                int allowed = call(e, "Bearer " + token).statusCode();
                assertNotEquals(401, allowed, what + " as " + e.role());
                assertNotEquals(403, allowed, what + " as " + e.role());
                assertTrue(allowed < 500, what + " as " + e.role() + ": " + allowed);
            }
        }
    }

    @Test
    void healthStaysOpen() {
        RestAssured.given().when().get("/q/health/ready").then().statusCode(200);
        RestAssured.given().when().get("/q/health/live").then().statusCode(200);
    }

    /** A key known only from distillab.auth.bootstrap-keys: accepted with its role, stored only as its hash. */
    @Test
    void aBootstrapKeyIsAcceptedWithItsRoleAndStoredHashed() throws Exception {
        String bearer = "Bearer " + TrainerTestProfile.BOOTSTRAP_WRITER_KEY;
        RestAssured.given().header("Authorization", bearer).get("/api/v1/jobs").then().statusCode(200);
        RestAssured.given().header("Authorization", bearer).contentType("application/json").body("{}")
                .post("/api/v1/jobs").then().statusCode(400);
        RestAssured.given().header("Authorization", bearer).delete(JOB).then().statusCode(403);
        givenAdmin().get("/api/v1/api-keys").then().statusCode(200)
                .body("items.find { it.name == 'ci-bootstrap' }.role", org.hamcrest.Matchers.equalTo("writer"));

        String secret = TrainerTestProfile.BOOTSTRAP_WRITER_KEY.substring("dlk_".length());
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT role, key_sha256 FROM api_key WHERE name = 'ci-bootstrap'");
             ResultSet r = s.executeQuery()) {
            assertTrue(r.next(), "the bootstrap key is stored under its name");
            assertEquals("writer", r.getString(1));
            // SHA-256 of the key's text, computed here independently of the service's ApiKeys
            assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(TrainerTestProfile.BOOTSTRAP_WRITER_KEY.getBytes(java.nio.charset.StandardCharsets.UTF_8))),
                    r.getString(2));
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT count(*) FROM api_key WHERE strpos(name || role || key_sha256, ?) > 0")) {
            s.setString(1, secret);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                assertEquals(0, r.getInt(1), "no row holds the key itself");
            }
        }
    }

    @Test
    void grpcCallsNeedTheirRoles() throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", base.getPort()).usePlaintext().build();
        try {
            TrainerGrpc.TrainerBlockingStub anonymous = TrainerGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(60, TimeUnit.SECONDS);
            TrainerGrpc.TrainerBlockingStub reader = anonymous.withInterceptors(
                    TestAuth.grpcAuthorization("Bearer " + TestAuth.jwt("rita", "reader")));
            TrainerGrpc.TrainerBlockingStub writer = anonymous.withInterceptors(
                    TestAuth.grpcAuthorization("Bearer " + keys().get("writer")));
            TrainerGrpc.TrainerBlockingStub admin = anonymous.withInterceptors(
                    TestAuth.grpcAuthorization(TestAuth.adminBearer()));
            TrainerGrpc.TrainerBlockingStub bogus = anonymous.withInterceptors(
                    TestAuth.grpcAuthorization("Bearer dlk_unknown-key"));
            JobRef missing = JobRef.newBuilder().setId(MISSING).build();
            ListJobsRequest list = ListJobsRequest.getDefaultInstance();
            SubmitJobRequest noSteps = SubmitJobRequest.newBuilder().setParametersJson("{}").build();

            // Quarkus's gRPC security: no credentials PERMISSION_DENIED, a bad one UNAUTHENTICATED
            assertEquals(Status.Code.PERMISSION_DENIED, code(() -> anonymous.listJobs(list)));
            assertEquals(Status.Code.UNAUTHENTICATED, code(() -> bogus.listJobs(list)));
            assertEquals(Status.Code.UNAUTHENTICATED, code(() -> bogus.getJob(missing)));
            // reader: reads, may not submit, cancel or delete
            reader.listJobs(list);
            assertEquals(Status.Code.NOT_FOUND, code(() -> reader.getJob(missing)));
            assertEquals(Status.Code.NOT_FOUND, code(() -> reader.getLossCurve(missing)));
            assertEquals(Status.Code.NOT_FOUND, code(() -> reader.watchJob(
                    WatchJobRequest.newBuilder().setId(MISSING).build()).hasNext()));
            assertEquals(Status.Code.PERMISSION_DENIED, code(() -> anonymous.watchJob(
                    WatchJobRequest.newBuilder().setId(MISSING).build()).hasNext()));
            assertEquals(Status.Code.PERMISSION_DENIED, code(() -> reader.submitJob(noSteps)));
            assertEquals(Status.Code.PERMISSION_DENIED, code(() -> reader.cancelJob(missing)));
            // writer: submits and cancels, may not delete
            assertEquals(Status.Code.INVALID_ARGUMENT, code(() -> writer.submitJob(noSteps)));
            assertEquals(Status.Code.NOT_FOUND, code(() -> writer.cancelJob(missing)));
            assertEquals(Status.Code.PERMISSION_DENIED, code(() -> writer.deleteJob(missing)));
            // admin
            assertEquals(Status.Code.NOT_FOUND, code(() -> admin.deleteJob(missing)));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void refusalsNeverEchoTheToken() {
        String token = "dlk_never-echo-this-key-" + System.nanoTime();
        Response r = RestAssured.given().header("Authorization", "Bearer " + token).get("/api/v1/jobs").andReturn();
        assertEquals(401, r.statusCode());
        assertFalse(r.asString().contains(token.substring(4)), r.asString());
    }

    private static Status.Code code(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(StatusRuntimeException.class, call).getStatus().getCode();
    }
}
