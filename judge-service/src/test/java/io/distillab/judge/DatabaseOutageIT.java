package io.distillab.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.judge.batch.BatchRunner;
import io.distillab.judge.grpc.v1.JudgeServiceGrpc;
import io.distillab.judge.grpc.v1.Judgment;
import io.distillab.judge.grpc.v1.RpsRequest;
import io.distillab.service.support.testing.DatabaseOutageDrill;
import io.distillab.service.support.testing.PackagedService;
import io.distillab.service.support.testing.RestartablePostgres;
import io.distillab.service.support.testing.TestAuth;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged judge-service ({@code java -jar quarkus-run.jar}, security on, the offline judge its
 * embedded default) on a PostgreSQL of its own that is stopped immediately and restarted while
 * three clients ask for RPS scores (single over REST and gRPC, and in batches) and stages and list
 * provider errors: every answer is a judgment or a clean 503 (gRPC: UNAVAILABLE with retry-after; a
 * batch's item: a judgment or the database-unavailable line), the service recovers without a restart (the phases and tolerances are
 * {@link DatabaseOutageDrill}'s), and every judgment it answered with status ok is in the cache
 * afterwards: asked again, it comes back {@code cached: true} with the same answer.
 *
 * <p>A failsafe test: it needs {@code target/quarkus-app}, built by {@code package}.
 */
class DatabaseOutageIT {
    private static final Duration STARTUP = Duration.ofMinutes(4);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final AtomicLong INPUTS = new AtomicLong();
    /** Batch lines neither a judgment of status ok nor the database-unavailable error. */
    private static final Queue<String> BAD_BATCH_LINES = new ConcurrentLinkedQueue<>();

    @TempDir
    Path work;

    @Test
    void postgresStoppedUnderLoadAnswers503ThenRecoversAndEveryAnsweredJudgmentIsCached() throws Exception {
        Path root = Path.of(System.getProperty("distillab.root", "..")).toAbsolutePath().normalize();
        RestartablePostgres pg = RestartablePostgres.start(work.resolve("pg"));
        PackagedService judge = PackagedService.of(root.resolve("judge-service"), work.resolve("home"))
                .property("quarkus.datasource.jdbc.url", pg.jdbcUrl())
                // three clients as fast as the service answers, with one key: not a test of the rate limit
                .property("distillab.limits.rate.enabled", "false")
                // A judgment whose write meets the outage is retried, then kept unwritten and answered
                // 200; with the default five attempts (about 7 s) all three clients could sit in such
                // retries for the whole outage and no request would meet the stopped database.
                .property("distillab.judge.claims.write-attempts", "2")
                .jvmOption("-Xmx512m");
        ManagedChannel channel = null;
        try {
            judge.start().awaitReady(STARTUP);
            String key = judge.adminKey();
            channel = NettyChannelBuilder.forAddress("localhost", judge.port()).usePlaintext().build();
            JudgeServiceGrpc.JudgeServiceBlockingStub grpc = JudgeServiceGrpc.newBlockingStub(channel)
                    .withInterceptors(TestAuth.grpcAuthorization("Bearer " + key));
            DatabaseOutageDrill.Result drill = DatabaseOutageDrill.run(judge, pg, 3, () -> oneRequest(judge, key, grpc));
            System.out.println("database outage drill, what the clients met:\n" + drill.summary());
            drill.assertCleanOutageAndRecovery();
            assertEquals(List.of(), List.copyOf(BAD_BATCH_LINES), "batch lines neither a judgment nor the database's error");

            List<String> answered = new ArrayList<>(drill.acknowledged("rps"));
            answered.addAll(drill.acknowledged("stage"));
            answered.addAll(drill.acknowledged("grpc-rps"));
            drill.acknowledged("rps-batch").forEach(lines -> lines.lines().forEach(answered::add));
            assertFalse(drill.acknowledged("rps").isEmpty(), "no RPS judgment was answered");
            assertFalse(drill.acknowledged("grpc-rps").isEmpty(), "no RPS judgment was answered over gRPC");
            for (String ack : answered) {
                JsonNode before = JSON.readTree(ack);
                HttpResponse<String> again = post(judge, key, before.get("path").asText(), before.get("request").toString());
                assertEquals(200, again.statusCode(), again.body());
                JsonNode after = JSON.readTree(again.body());
                assertTrue(after.get("cached").asBoolean(), "an answered judgment is not in the cache: " + ack
                        + "\nasked again: " + after);
                if (before.has("answer")) { // (over gRPC the answer is a message: its input hash identifies it)
                    assertEquals(before.get("answer"), after.get("answer"), ack);
                }
                assertEquals(before.get("inputHash"), after.get("inputHash"), ack);
            }
            assertTrue(judge.logText().contains("Database unavailable, answering 503"));
        } catch (AssertionError | Exception e) {
            throw new AssertionError(e.getMessage() + "\n--- the service's output, last lines:\n" + judge.logTail(80), e);
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
            judge.close();
            judge.copyLogTo(Path.of("target", "database-outage-it.log"));
            pg.close();
        }
    }

    /**
     * A request of the mix: an RPS score of a new input over REST (three in ten) and over gRPC (two),
     * a stage of a new message (two), a batch of three new RPS inputs (two), the provider errors (a
     * read of the database that judges nothing).
     */
    private static DatabaseOutageDrill.Outcome oneRequest(PackagedService judge, String key,
                                                          JudgeServiceGrpc.JudgeServiceBlockingStub grpc) {
        int dice = ThreadLocalRandom.current().nextInt(10);
        if (dice < 3) {
            return judgment(judge, key, "rps", "/api/v1/rps", newRps());
        } else if (dice < 5) {
            return grpcRps(grpc, newRps());
        } else if (dice < 7) {
            ObjectNode stage = JSON.createObjectNode().put("text", "Let me look up reservation " + newMarker() + " for you.");
            return judgment(judge, key, "stage", "/api/v1/stages", stage);
        } else if (dice < 9) {
            return batch(judge, key, List.of(newRps(), newRps(), newRps()));
        }
        return DatabaseOutageDrill.send(HTTP, "provider-errors", request(judge, key, "/api/v1/provider-errors").GET().build(),
                null);
    }

    private static String newMarker() {
        return "in-" + INPUTS.incrementAndGet() + "-" + System.nanoTime();
    }

    private static ObjectNode newRps() {
        String marker = newMarker();
        ObjectNode rps = JSON.createObjectNode().put("stage", "notification");
        rps.putArray("messagesA").add("Your trip " + marker + " is cancelled.");
        rps.putArray("messagesB").add("I have cancelled " + marker + " for you!");
        return rps;
    }

    /**
     * A batch answers 200 before its items are judged; an item that met the stopped database is a
     * line with the database-unavailable error, anything else there is a fault. Acknowledged: its
     * judgments of status ok, one per line of the acknowledgement.
     */
    private static DatabaseOutageDrill.Outcome batch(PackagedService judge, String key, List<ObjectNode> items) {
        ObjectNode body = JSON.createObjectNode();
        items.forEach(body.putArray("items")::add);
        DatabaseOutageDrill.Outcome o = DatabaseOutageDrill.send(HTTP, "rps-batch", request(judge, key, "/api/v1/rps/batch")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build(), r -> {
                    StringBuilder acks = new StringBuilder();
                    for (String line : r.body().split("\n")) {
                        if (line.isBlank()) {
                            continue;
                        }
                        JsonNode l = JSON.readTree(line);
                        JsonNode j = l.path("judgment");
                        if (j.path("status").asText().equals("ok")) {
                            acks.append(acknowledgement("/api/v1/rps", items.get(l.get("index").asInt()), j)).append('\n');
                        } else if (!BatchRunner.DATABASE_UNAVAILABLE.equals(l.path("error").asText())) {
                            BAD_BATCH_LINES.add(line);
                        }
                    }
                    return acks.toString();
                });
        return o;
    }

    /** The same RPS request over gRPC; acknowledged as over REST, by its input hash. */
    private static DatabaseOutageDrill.Outcome grpcRps(JudgeServiceGrpc.JudgeServiceBlockingStub grpc, ObjectNode rps) {
        RpsRequest.Builder request = RpsRequest.newBuilder().setStage(rps.get("stage").asText());
        rps.get("messagesA").forEach(m -> request.addMessagesA(m.asText()));
        rps.get("messagesB").forEach(m -> request.addMessagesB(m.asText()));
        return DatabaseOutageDrill.sendGrpc("grpc-rps", () -> {
            Judgment j = grpc.withDeadlineAfter(DatabaseOutageDrill.ANSWER_WITHIN.toMillis() * 2, TimeUnit.MILLISECONDS)
                    .scoreRps(request.build());
            if (!j.getStatus().equals("ok")) {
                return null;
            }
            ObjectNode ack = JSON.createObjectNode().put("path", "/api/v1/rps").put("inputHash", j.getInputHash());
            ack.set("request", rps);
            return ack.toString();
        });
    }

    /** Acknowledged: a judgment of status ok, kept with its request to be asked again. */
    private static DatabaseOutageDrill.Outcome judgment(PackagedService judge, String key, String kind, String path,
                                                       ObjectNode body) {
        return DatabaseOutageDrill.send(HTTP, kind, request(judge, key, path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), r -> {
                    JsonNode j = JSON.readTree(r.body());
                    return j.path("status").asText().equals("ok") ? acknowledgement(path, body, j) : null;
                });
    }

    /** What a judgment of status ok acknowledged: its request (to ask again), answer and input hash. */
    private static String acknowledgement(String path, ObjectNode request, JsonNode judgment) {
        ObjectNode ack = JSON.createObjectNode().put("path", path);
        ack.set("request", request);
        ack.set("answer", judgment.get("answer"));
        ack.set("inputHash", judgment.get("inputHash"));
        return ack.toString();
    }

    private static HttpRequest.Builder request(PackagedService judge, String key, String path) {
        return HttpRequest.newBuilder(URI.create(judge.url(path))).header("Authorization", "Bearer " + key)
                .timeout(DatabaseOutageDrill.ANSWER_WITHIN.multipliedBy(2));
    }

    private static HttpResponse<String> post(PackagedService judge, String key, String path, String body) throws Exception {
        return HTTP.send(request(judge, key, path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
