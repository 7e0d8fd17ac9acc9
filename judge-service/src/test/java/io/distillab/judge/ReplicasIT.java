package io.distillab.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.judge.support.OpenAiStub;
import io.distillab.service.support.EmbeddedPostgresServer;
import io.distillab.service.support.testing.AuthTestResource;
import io.distillab.service.support.testing.TestAuth;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two judge-service replicas, each the packaged {@code quarkus-run.jar} in a process of its own,
 * on one PostgreSQL and one OpenAI-protocol provider (WireMock) that answers slowly and counts
 * what it is asked: "never judged twice" must hold across them. Security stays on: requests
 * carry a JWT from the test issuer.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicasIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANSWER = "{\"style\": 4, \"structure\": 3, \"alignment\": 5, \"reason\": \"Alike.\"}";
    /** Short enough for the takeover test, long enough to outlive a slow provider answer. */
    private static final Duration LEASE = Duration.ofSeconds(4);

    private static EmbeddedPostgresServer postgres;
    private static OpenAiStub provider;
    private static AuthTestResource issuer;
    private static final List<Replica> replicas = new ArrayList<>();
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static String token;

    record Replica(String name, Process process, int port, Path log) {
        String url(String path) {
            return "http://localhost:" + port + path;
        }
    }

    @BeforeAll
    static void startTwoReplicas() throws Exception {
        postgres = EmbeddedPostgresServer.startThrowaway();
        provider = OpenAiStub.start();
        issuer = new AuthTestResource();
        Map<String, String> config = new HashMap<>(issuer.start());
        token = "Bearer " + TestAuth.jwt("replicas-it", "writer");
        config.putAll(postgres.datasourceProperties());
        config.put("distillab.auth.local-admin-key.enabled", "false");
        config.put("distillab.judge.llm.enabled", "true");
        config.put("quarkus.langchain4j.openai.base-url", provider.baseUrl());
        config.put("quarkus.langchain4j.openai.api-key", OpenAiStub.API_KEY);
        config.put("quarkus.langchain4j.openai.chat-model.model-name", OpenAiStub.MODEL);
        config.put("quarkus.langchain4j.openai.timeout", "20s");
        config.put("distillab.judge.claims.lease", LEASE.toString());
        config.put("distillab.judge.claims.poll-max", "PT0.2S");
        for (String name : List.of("replica-a", "replica-b")) {
            replicas.add(start(name, config));
        }
        for (Replica r : replicas) {
            awaitReady(r);
        }
    }

    @AfterAll
    static void stopAll() throws Exception {
        for (Replica r : replicas) {
            r.process().destroy();
            if (!r.process().waitFor(20, TimeUnit.SECONDS)) {
                r.process().destroyForcibly();
            }
        }
        if (provider != null) {
            provider.stop();
        }
        if (issuer != null) {
            issuer.stop();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    @Order(1)
    void theSameBatchSentToBothReplicasAtOnceAsksTheProviderOnceForEachDistinctInput() throws Exception {
        int distinct = 24;
        List<Object> items = new ArrayList<>();
        for (int i = 0; i < distinct; i++) {
            String marker = String.format("mk-rep-%02d-", i);
            provider.answerAfter(marker, ANSWER, 400);
            items.add(rps(marker));
        }
        items.addAll(List.copyOf(items)); // each input twice in the batch, too
        String body = JSON.writeValueAsString(Map.of("items", items));

        CompletableFuture<List<JsonNode>> a = CompletableFuture.supplyAsync(() -> batch(replicas.get(0), body));
        CompletableFuture<List<JsonNode>> b = CompletableFuture.supplyAsync(() -> batch(replicas.get(1), body));
        Map<Integer, JsonNode> fromA = byIndex(a.get(120, TimeUnit.SECONDS));
        Map<Integer, JsonNode> fromB = byIndex(b.get(120, TimeUnit.SECONDS));

        for (int i = 0; i < distinct; i++) {
            assertEquals(1, provider.count(String.format("mk-rep-%02d-", i)), "provider requests for input " + i);
        }
        int asked = 0;
        for (int index = 0; index < items.size(); index++) {
            JsonNode ja = fromA.get(index);
            JsonNode jb = fromB.get(index);
            assertEquals("ok", ja.get("status").textValue(), ja.toString());
            assertEquals("ok", jb.get("status").textValue(), jb.toString());
            assertEquals(ja.get("answer"), jb.get("answer"), "both replicas answer item " + index + " alike");
            assertEquals(ja.get("inputHash"), jb.get("inputHash"));
            asked += (ja.get("cached").booleanValue() ? 0 : 1) + (jb.get("cached").booleanValue() ? 0 : 1);
        }
        assertEquals(distinct, asked, "of the four answers for each input, exactly one asked the provider");
    }

    @Test
    @Order(2)
    void aClaimOfAKilledReplicaIsTakenOverOnceItsLeaseRunsOut() throws Exception {
        String marker = "mk-rep-killed-";
        provider.answerAfter(marker, ANSWER, 60_000); // replica a's request never comes back
        String body = JSON.writeValueAsString(rps(marker));
        Replica a = replicas.get(0);
        CompletableFuture.runAsync(() -> send(a, "/api/v1/rps", body));
        awaitProviderRequests(marker, 1);
        a.process().destroyForcibly().waitFor(20, TimeUnit.SECONDS);

        provider.answer(marker, ANSWER); // the newest stub wins: answers at once from now on
        long start = System.nanoTime();
        HttpResponse<String> fromB = send(replicas.get(1), "/api/v1/rps", body);
        Duration waited = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(200, fromB.statusCode(), fromB.body());
        JsonNode j = JSON.readTree(fromB.body());
        assertEquals("ok", j.get("status").textValue(), j.toString());
        assertFalse(j.get("cached").booleanValue());
        assertEquals(2, provider.count(marker), "b asked again once a's claim had run out");
        assertTrue(waited.compareTo(LEASE.minusMillis(1500)) > 0,
                "b waited for the dead replica's lease (" + waited.toMillis() + " ms)");
    }

    // ---- plumbing ----------------------------------------------------------------------------------

    private static Map<String, Object> rps(String marker) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("stage", "notification");
        body.put("messagesA", List.of("Your trip " + marker + " is cancelled."));
        body.put("messagesB", List.of("I have cancelled " + marker + " for you."));
        body.put("judge", "llm");
        return body;
    }

    private static Replica start(String name, Map<String, String> config) throws IOException {
        int port = freePort();
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        assertTrue(Files.exists(jar), "package the service first: " + jar.toAbsolutePath());
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        config.forEach((k, v) -> command.add("-D" + k + "=" + v));
        // Each process its own temporary directory: ONNX Runtime unpacks its native library there, and
        // two processes unpacking over each other's mapped copy crash.
        Path tmp = Files.createDirectories(Path.of("target", name + "-tmp"));
        command.add("-Djava.io.tmpdir=" + tmp.toAbsolutePath());
        command.add("-Dquarkus.http.port=" + port);
        command.addAll(List.of("-jar", jar.toString()));
        Path log = Path.of("target", name + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new Replica(name, process, port, log);
    }

    private static void awaitReady(Replica r) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (System.nanoTime() < deadline) {
            if (!r.process().isAlive()) {
                throw new AssertionError(r.name() + " exited: " + Files.readString(r.log()));
            }
            try {
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(r.url("/q/health/ready")))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError(r.name() + " not ready in 300 s: " + Files.readString(r.log()));
    }

    private static void awaitProviderRequests(String marker, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (provider.count(marker) < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the provider never got " + n + " requests for " + marker);
            }
            Thread.sleep(50);
        }
    }

    private static HttpResponse<String> send(Replica r, String path, String body) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(r.url(path))).timeout(Duration.ofSeconds(120))
                    .header("Authorization", token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<JsonNode> batch(Replica r, String body) {
        HttpResponse<String> response = send(r, "/api/v1/rps/batch", body);
        assertEquals(200, response.statusCode(), r.name() + ": " + response.body());
        List<JsonNode> lines = new ArrayList<>();
        for (String line : response.body().split("\n")) {
            if (!line.isBlank()) {
                try {
                    lines.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new AssertionError(r.name() + " sent a line that is not JSON: " + line, e);
                }
            }
        }
        return lines;
    }

    private static Map<Integer, JsonNode> byIndex(List<JsonNode> lines) {
        Map<Integer, JsonNode> judgments = new HashMap<>();
        for (JsonNode line : lines) {
            assertTrue(line.has("judgment"), "an internal failure: " + line);
            judgments.put(line.get("index").intValue(), line.get("judgment"));
        }
        return judgments;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
