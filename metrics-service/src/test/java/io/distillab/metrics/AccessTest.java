package io.distillab.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.distillab.metrics.grpc.v1.CreateDatasetRequest;
import io.distillab.metrics.grpc.v1.DatasetRef;
import io.distillab.metrics.grpc.v1.ListDatasetsRequest;
import io.distillab.metrics.grpc.v1.MetricsGrpc;
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
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import io.restassured.specification.RequestSpecification;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Who may call what on metrics-service, with security on: each endpoint is called without a token
 * (401), with the role just below its own (403) and with its own (neither), with JWTs from the
 * test issuer and with API keys. Ids that do not exist keep the calls from changing anything.
 */
@QuarkusTest
@TestProfile(MetricsTestProfile.class)
class AccessTest {
    @TestHTTPResource("/")
    URL base;

    private record Endpoint(String method, String path, String body, String role) {
    }

    private static final long MISSING = 987_654_321L;
    private static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("GET", "/api/v1/datasets", null, "reader"),
            new Endpoint("POST", "/api/v1/datasets", "{\"name\":\"access-%d\"}", "writer"),
            new Endpoint("GET", "/api/v1/datasets/" + MISSING, null, "reader"),
            new Endpoint("GET", "/api/v1/datasets/" + MISSING + "/models", null, "reader"),
            new Endpoint("GET", "/api/v1/datasets/" + MISSING + "/tasks", null, "reader"),
            new Endpoint("GET", "/api/v1/datasets/" + MISSING + "/uploads", null, "reader"),
            new Endpoint("GET", "/api/v1/datasets/" + MISSING + "/trajectories", null, "reader"),
            new Endpoint("POST", "/api/v1/datasets/" + MISSING + "/trajectories?format=tau-bench", "[]", "writer"),
            new Endpoint("DELETE", "/api/v1/datasets/" + MISSING, null, "admin"),
            new Endpoint("GET", "/api/v1/analyses", null, "reader"),
            new Endpoint("POST", "/api/v1/analyses", "{\"dataset\":" + MISSING + "}", "writer"),
            new Endpoint("GET", "/api/v1/analyses/" + MISSING, null, "reader"),
            new Endpoint("GET", "/api/v1/analyses/" + MISSING + "/result", null, "reader"),
            new Endpoint("GET", "/api/v1/analyses/" + MISSING + "/report", null, "reader"),
            new Endpoint("DELETE", "/api/v1/analyses/" + MISSING, null, "admin"),
            new Endpoint("GET", "/api/v1/api-keys", null, "admin"));

    private static final Map<String, String> BELOW = Map.of("writer", "reader", "admin", "writer");

    private static int call(Endpoint e, String authorization) {
        RequestSpecification r = RestAssured.given().contentType("application/json");
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        if (e.body() != null) {
            r.body(String.format(e.body(), System.nanoTime()));
        }
        return r.when().request(e.method(), e.path()).then().extract().statusCode();
    }

    @Test
    void everyEndpointNeedsItsRole() {
        for (Endpoint e : ENDPOINTS) {
            String what = e.method() + " " + e.path();
            assertEquals(401, call(e, null), what + " without a token");
            assertEquals(401, call(e, "Bearer dlk_unknown-key"), what + " with an unknown key");
            if (BELOW.containsKey(e.role())) {
                assertEquals(403, call(e, "Bearer " + TestAuth.jwt("low", BELOW.get(e.role()))),
                        what + " as " + BELOW.get(e.role()));
            }
            int allowed = call(e, "Bearer " + TestAuth.jwt("ok", e.role()));
            assertNotEquals(401, allowed, what + " as " + e.role());
            assertNotEquals(403, allowed, what + " as " + e.role());
            int admin = call(e, TestAuth.adminBearer());
            assertNotEquals(403, admin, what + " with the local admin key");
        }
    }

    @Test
    void aJwtForAnotherAudienceOrForNoneIsRefusedWhereAnAudienceIsRequired() {
        Endpoint list = new Endpoint("GET", "/api/v1/datasets", null, "reader");
        assertEquals(200, call(list, "Bearer " + TestAuth.jwt("aud-reader", "reader")));
        assertEquals(401, call(list, "Bearer " + token(Jwt.issuer(AuthTestResource.ISSUER).audience("another-service"))));
        assertEquals(401, call(list, "Bearer " + token(Jwt.issuer(AuthTestResource.ISSUER))));
        // one of several audiences suffices
        assertEquals(200, call(list, "Bearer " + token(Jwt.issuer(AuthTestResource.ISSUER)
                .audience(Set.of("another-service", AuthTestResource.AUDIENCE)))));
    }

    private static String token(JwtClaimsBuilder claims) {
        return claims.subject("aud-reader").claim(AuthTestResource.ROLES_CLAIM, List.of("reader")).expiresIn(300)
                .jws().keyId(AuthTestResource.KEY_ID).sign(TestAuth.issuerKey());
    }

    @Test
    void healthStaysOpen() {
        RestAssured.given().when().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void grpcCallsNeedTheirRoles() throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", base.getPort()).usePlaintext().build();
        try {
            MetricsGrpc.MetricsBlockingStub anonymous = MetricsGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(60, TimeUnit.SECONDS);
            MetricsGrpc.MetricsBlockingStub reader = anonymous.withInterceptors(
                    TestAuth.grpcAuthorization("Bearer " + TestAuth.jwt("rita", "reader")));
            MetricsGrpc.MetricsBlockingStub writer = anonymous.withInterceptors(
                    TestAuth.grpcAuthorization("Bearer " + TestAuth.jwt("walt", "writer")));
            MetricsGrpc.MetricsBlockingStub bogus = anonymous.withInterceptors(
                    TestAuth.grpcAuthorization("Bearer dlk_unknown-key"));
            // Quarkus's gRPC security: no credentials PERMISSION_DENIED, a bad one UNAUTHENTICATED
            assertEquals(Status.Code.PERMISSION_DENIED, code(() -> anonymous.listDatasets(ListDatasetsRequest.getDefaultInstance())));
            assertEquals(Status.Code.UNAUTHENTICATED, code(() -> bogus.listDatasets(ListDatasetsRequest.getDefaultInstance())));
            reader.listDatasets(ListDatasetsRequest.getDefaultInstance());
            assertEquals(Status.Code.PERMISSION_DENIED, code(() -> reader.createDataset(
                    CreateDatasetRequest.newBuilder().setName("grpc-access-" + System.nanoTime()).build())));
            long id = writer.createDataset(CreateDatasetRequest.newBuilder()
                    .setName("grpc-access-" + System.nanoTime()).build()).getId();
            assertEquals(Status.Code.PERMISSION_DENIED, code(() -> writer.deleteDataset(DatasetRef.newBuilder().setId(id).build())));
            anonymous.withInterceptors(TestAuth.grpcAuthorization(TestAuth.adminBearer()))
                    .deleteDataset(DatasetRef.newBuilder().setId(id).build());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static Status.Code code(org.junit.jupiter.api.function.Executable call) {
        return assertThrows(StatusRuntimeException.class, call).getStatus().getCode();
    }
}
