package io.distillab.judge.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.judge.provider.ProviderGuard;
import io.distillab.service.support.testing.TestAuth;
import io.distillab.judge.support.InjectOpenAiStub;
import io.distillab.judge.support.OpenAiStub;
import io.distillab.judge.support.Requests;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Judgments per second through the service (REST, cache lookup, LLM judge, answer validation,
 * cache write) against the WireMock OpenAI server answering after 50 ms, at 1, 8 and 64
 * concurrent clients, then one batch. Every request is a new input, so every one is a cache miss
 * and a provider call. Not part of the test run (the class name does not end in Test); run it with
 * {@code ./mvnw -B -pl judge-service test -Dtest='*Bench'}. It authenticates with the local admin
 * key and runs with the per-client rate limit off ({@link ThroughputBenchProfile}).
 */
@QuarkusTest
@TestProfile(ThroughputBenchProfile.class)
class ServiceThroughputBench {
    private static final int LATENCY_MS = 50;
    private static final String MARKER = "mk-bench";
    private static final ObjectMapper JSON = new ObjectMapper();

    @InjectOpenAiStub
    OpenAiStub openAi;

    @Inject
    CircuitBreakerMaintenance breakers;

    @TestHTTPResource
    URL http;

    private final AtomicInteger unique = new AtomicInteger();

    @Test
    void judgmentsPerSecond() throws Exception {
        breakers.reset(ProviderGuard.CIRCUIT);
        openAi.answerAfter(MARKER, "{\"style\": 4, \"structure\": 3, \"alignment\": 5, \"reason\": \"Similar.\"}",
                LATENCY_MS);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(8)).connectTimeout(Duration.ofSeconds(10)).build();

        run(client, 8, 400, false); // warm-up: JIT, connection pools
        BenchReport.line("| concurrency | judgments | seconds | judgments/s | p50 ms | p99 ms | ideal/s | JVM CPU ms/judgment |");
        BenchReport.line("|---|---|---|---|---|---|---|---|");
        for (int concurrency : new int[] {1, 8, 64}) {
            int judgments = Math.max(200, concurrency * 60);
            run(client, concurrency, judgments, true);
        }
        batch(1_000); // distillab.limits.judge-batch-items: the most one batch may hold
    }

    private void run(HttpClient client, int concurrency, int judgments, boolean report) throws Exception {
        AtomicInteger next = new AtomicInteger();
        long[] latencies = new long[judgments];
        ExecutorService clients = Executors.newFixedThreadPool(concurrency);
        long cpuStart = processCpuNanos();
        long start = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            workers.add(clients.submit(() -> {
                for (int i = next.getAndIncrement(); i < judgments; i = next.getAndIncrement()) {
                    long t0 = System.nanoTime();
                    HttpResponse<String> response = client.send(request(), HttpResponse.BodyHandlers.ofString());
                    latencies[i] = System.nanoTime() - t0;
                    JsonNode body = JSON.readTree(response.body());
                    assertEquals(200, response.statusCode(), response.body());
                    assertEquals("ok", body.get("status").textValue());
                    assertEquals(false, body.get("cached").booleanValue());
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        double seconds = BenchReport.seconds(start);
        double cpuMs = (processCpuNanos() - cpuStart) / 1e6 / judgments;
        clients.shutdown();
        if (report) {
            Arrays.sort(latencies);
            double ideal = concurrency * 1000.0 / LATENCY_MS;
            BenchReport.line(String.format(Locale.ROOT, "| %d | %d | %.2f | **%.0f** | %.0f | %.0f | %.0f | %.1f |",
                    concurrency, judgments, seconds, judgments / seconds, latencies[judgments / 2] / 1e6,
                    latencies[(int) (judgments * 0.99)] / 1e6, ideal, cpuMs));
        }
    }

    /** One batch request: the service judges distillab.judge.batch.concurrency (64) items at a time. */
    private void batch(int items) {
        List<Object> bodies = new ArrayList<>();
        long cpuStart = processCpuNanos();
        for (int i = 0; i < items; i++) {
            bodies.add(JSON.convertValue(rpsBody(), Object.class));
        }
        long start = System.nanoTime();
        List<JsonNode> lines = Requests.batch("/api/v1/rps", bodies);
        double seconds = BenchReport.seconds(start);
        double cpuMs = (processCpuNanos() - cpuStart) / 1e6 / items;
        assertEquals(items, lines.size());
        lines.forEach(l -> assertEquals("ok", l.at("/judgment/status").textValue(), l.toString()));
        BenchReport.line(String.format(Locale.ROOT, "| batch of %d (64 at a time) | %d | %.2f | **%.0f** | | | 1280 | %.1f |",
                items, items, seconds, items / seconds, cpuMs));
    }

    /** CPU time of this JVM: the service, WireMock and the benchmark's own clients together. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private HttpRequest request() {
        return HttpRequest.newBuilder(URI.create(http.toString()).resolve("/api/v1/rps"))
                .header("Content-Type", "application/json")
                .header("Authorization", TestAuth.adminBearer())
                .POST(HttpRequest.BodyPublishers.ofString(rpsBody().toString())).build();
    }

    private JsonNode rpsBody() {
        int n = unique.incrementAndGet();
        var body = JSON.createObjectNode().put("stage", "notification").put("judge", "llm");
        body.putArray("messagesA").add("Your reservation " + n + " has been cancelled. " + MARKER);
        body.putArray("messagesB").add("I cancelled booking " + n + "; the refund is on its way.");
        return body;
    }
}
