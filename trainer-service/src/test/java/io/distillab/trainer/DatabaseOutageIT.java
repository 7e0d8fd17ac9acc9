package io.distillab.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.service.support.testing.DatabaseOutageDrill;
import io.distillab.service.support.testing.PackagedService;
import io.distillab.service.support.testing.RestartablePostgres;
import io.distillab.service.support.testing.TestAuth;
import io.distillab.trainer.grpc.v1.ListJobsRequest;
import io.distillab.trainer.grpc.v1.TrainerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged trainer-service ({@code java -jar quarkus-run.jar}, security on, one CPU worker
 * polling the queue) on a PostgreSQL of its own that is stopped immediately and restarted while
 * three clients submit small CPU jobs and list jobs (over REST and gRPC) and a job's attempts: every
 * answer is a success or a clean 503 (gRPC: UNAVAILABLE with retry-after), the service recovers without a restart (the phases and tolerances are
 * {@link DatabaseOutageDrill}'s), every job answered 202 is in the job list afterwards under its
 * id and name, and no job is there twice.
 *
 * <p>A failsafe test: it needs {@code target/quarkus-app}, built by {@code package}.
 */
class DatabaseOutageIT {
    private static final Duration STARTUP = Duration.ofMinutes(4);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final AtomicLong JOBS = new AtomicLong();
    /** The last job the service acknowledged, whose attempts the "attempts" requests list. */
    private static final AtomicLong LAST_JOB = new AtomicLong(-1);

    @TempDir
    Path work;

    @Test
    void postgresStoppedUnderLoadAnswers503ThenRecoversAndKeepsEveryAcceptedJobOnce() throws Exception {
        byte[] upload = (String.join("\n", TestData.chatJsonl(2)) + "\n").getBytes(StandardCharsets.UTF_8);
        RestartablePostgres pg = RestartablePostgres.start(work.resolve("pg"));
        PackagedService trainer = PackagedService.of(TestData.root().resolve("trainer-service"), work.resolve("home"))
                .property("quarkus.datasource.jdbc.url", pg.jdbcUrl())
                .property("distillab.model-store", work.resolve("model-store").toString())
                // three clients as fast as the service answers, with one key: not a test of the rate limit
                .property("distillab.limits.rate.enabled", "false")
                .property("distillab.scheduler.cpu-jobs", "1")
                .property("distillab.scheduler.gpus", "0")
                .property("distillab.scheduler.poll", "200ms")
                .property("distillab.scheduler.heartbeat", "1s")
                .jvmOption("-Xmx768m")
                .jvmOption("-XX:+UseSerialGC");
        ManagedChannel channel = null;
        try {
            trainer.start().awaitReady(STARTUP);
            String key = trainer.adminKey();
            channel = NettyChannelBuilder.forAddress("localhost", trainer.port()).usePlaintext().build();
            TrainerGrpc.TrainerBlockingStub grpc = TrainerGrpc.newBlockingStub(channel)
                    .withInterceptors(TestAuth.grpcAuthorization("Bearer " + key));
            DatabaseOutageDrill.Result drill = DatabaseOutageDrill.run(trainer, pg, 3,
                    () -> oneRequest(trainer, key, upload, grpc));
            System.out.println("database outage drill, what the clients met:\n" + drill.summary());
            drill.assertCleanOutageAndRecovery();

            // every job acknowledged is there, once, under its name; no job appears twice
            Map<Long, String> listed = new HashMap<>();
            for (JsonNode job : listAll(trainer, key)) {
                String previous = listed.put(job.get("id").asLong(), job.get("name").asText());
                assertEquals(null, previous, "job " + job.get("id") + " listed twice");
            }
            assertEquals(listed.size(), listed.values().stream().distinct().count(), "a job name twice: " + listed);
            List<String> accepted = drill.acknowledged("submit");
            assertFalse(accepted.isEmpty(), "no job was accepted");
            for (String ack : accepted) {
                long id = Long.parseLong(ack.substring(0, ack.indexOf(' ')));
                assertEquals(ack.substring(ack.indexOf(' ') + 1), listed.get(id), "accepted job " + ack + " lost");
            }
            // (not asserted: that no job exists beyond those answered 202. A COMMIT that reached the WAL
            // just before the stop, its reply lost, leaves a job whose client got a 503.)
            assertTrue(trainer.logText().contains("Database unavailable, answering 503"));
            assertFalse(drill.of("grpc-list").isEmpty(), "no gRPC call was made");
        } catch (AssertionError | Exception e) {
            throw new AssertionError(e.getMessage() + "\n--- the service's output, last lines:\n" + trainer.logTail(80), e);
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
            trainer.close();
            trainer.copyLogTo(Path.of("target", "database-outage-it.log"));
            pg.close();
        }
    }

    /**
     * A request of the mix: submit a two-step job (three in ten), list jobs over REST (two) and gRPC
     * (two), list the last job's attempts.
     */
    private static DatabaseOutageDrill.Outcome oneRequest(PackagedService trainer, String key, byte[] upload,
                                                          TrainerGrpc.TrainerBlockingStub grpc) {
        int dice = ThreadLocalRandom.current().nextInt(10);
        long last = LAST_JOB.get();
        if (dice < 3) {
            String name = "outage-" + JOBS.incrementAndGet();
            String query = "?filename=data.jsonl&parameters="
                    + URLEncoder.encode(job(name).toString(), StandardCharsets.UTF_8);
            return DatabaseOutageDrill.send(HTTP, "submit", request(trainer, key, "/api/v1/jobs" + query)
                    .header("Content-Type", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(), r -> {
                        long id = JSON.readTree(r.body()).get("id").asLong();
                        LAST_JOB.set(id);
                        return id + " " + name;
                    });
        } else if (dice < 5) {
            return DatabaseOutageDrill.send(HTTP, "list", request(trainer, key, "/api/v1/jobs?size=20").GET().build(), null);
        } else if (dice < 7 || last < 0) {
            return DatabaseOutageDrill.sendGrpc("grpc-list", () -> {
                grpc.withDeadlineAfter(DatabaseOutageDrill.ANSWER_WITHIN.toMillis() * 2, TimeUnit.MILLISECONDS)
                        .listJobs(ListJobsRequest.newBuilder().setSize(20).build());
                return null;
            });
        }
        return DatabaseOutageDrill.send(HTTP, "attempts",
                request(trainer, key, "/api/v1/jobs/" + last + "/attempts").GET().build(), null);
    }

    /** Two cross-entropy steps of a new tiny GPT-2 (the step costs about a 50257-way softmax over 2 x 64 positions). */
    private static JsonNode job(String name) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", name);
        p.put("studentConfig", readTree(TestData.tinyGpt2Config()));
        p.put("tokenizer", "gpt2");
        p.put("context", 64);
        p.put("truncate", true);
        p.put("preset", "sft");
        p.put("steps", 2);
        p.put("batchSize", 2);
        p.put("device", "cpu");
        p.put("threads", 1);
        return JSON.valueToTree(p);
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static HttpRequest.Builder request(PackagedService trainer, String key, String path) {
        return HttpRequest.newBuilder(URI.create(trainer.url(path))).header("Authorization", "Bearer " + key)
                .timeout(DatabaseOutageDrill.ANSWER_WITHIN.multipliedBy(2));
    }

    /** Every job, all pages. */
    private static List<JsonNode> listAll(PackagedService trainer, String key) throws Exception {
        List<JsonNode> all = new java.util.ArrayList<>();
        for (int page = 0; ; page++) {
            HttpResponse<String> r = HTTP.send(request(trainer, key, "/api/v1/jobs?size=100&page=" + page).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode items = JSON.readTree(r.body()).get("items");
            items.forEach(all::add);
            if (items.size() < 100) {
                return all;
            }
        }
    }
}
