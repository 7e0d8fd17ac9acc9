package io.distillab.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A stand-in for judge-service in tests: its batch endpoints (same paths, bodies and NDJSON lines
 * as judge-service) with rules simple enough that a test can work out the expected RPS by hand:
 * <ul>
 *   <li>stage: the text's prefix before ':' when it is a stage name, else a {@code failed} judgment;</li>
 *   <li>RPS: style = min(5, |A| + |B|), structure = 5 when |A| = |B| else 3, alignment = 4;</li>
 *   <li>edge: {@code genuine} when the value has more than 5 characters, else {@code prior_knowledge}.</li>
 * </ul>
 */
final class TestJudgeServer implements AutoCloseable {
    static final Set<String> STAGES = Set.of("authentication", "information_retrieval", "execution", "verification",
            "notification");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    final AtomicInteger batches = new AtomicInteger();
    final AtomicInteger items = new AtomicInteger();
    final AtomicInteger unauthorized = new AtomicInteger();

    TestJudgeServer(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("localhost", port), 16);
        server.createContext("/api/v1/stages/batch", ex -> batch(ex, item -> {
            String text = item.path("text").asText();
            int colon = text.indexOf(':');
            String stage = colon > 0 ? text.substring(0, colon) : "";
            return STAGES.contains(stage) ? ok(answer().put("stage", stage)) : failed();
        }));
        server.createContext("/api/v1/rps/batch", ex -> batch(ex, item -> {
            int a = item.path("messagesA").size();
            int b = item.path("messagesB").size();
            return ok(answer().put("style", Math.min(5, a + b)).put("structure", a == b ? 5 : 3).put("alignment", 4)
                    .put("overall", 0.0).put("reason", "stand-in"));
        }));
        server.createContext("/api/v1/edges/batch", ex -> batch(ex, item ->
                ok(answer().put("verdict", genuine(item.path("value").asText()) ? "genuine" : "prior_knowledge"))));
        server.start();
    }

    static boolean genuine(String value) {
        return value.length() > 5;
    }

    private static ObjectNode answer() {
        return JSON.createObjectNode();
    }

    /**
     * A judgment in judge-service's shape (judge-service/README.md): {@code {status, answer, error,
     * judge, inputHash, cached}} with the answer's fields nested under {@code answer}. (The overall
     * the stand-in sends is deliberately wrong: the client must compute it from the three scores.)
     */
    private static ObjectNode ok(ObjectNode answer) {
        ObjectNode j = JSON.createObjectNode();
        j.put("status", "ok");
        j.set("answer", answer);
        j.putNull("error");
        j.putObject("judge").put("name", "stand-in").put("offline", true);
        return j;
    }

    private static ObjectNode failed() {
        ObjectNode j = JSON.createObjectNode();
        j.put("status", "failed");
        j.putNull("answer");
        j.put("error", "no stage prefix");
        return j;
    }

    private void batch(HttpExchange ex, Function<JsonNode, ObjectNode> judge) throws IOException {
        // like judge-service: no batch without the key metrics-service is configured with
        if (!("Bearer " + MetricsTestProfile.JUDGE_API_KEY).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            unauthorized.incrementAndGet();
            byte[] problem = "{\"status\":401,\"title\":\"Unauthenticated\"}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/problem+json");
            ex.sendResponseHeaders(401, problem.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(problem);
            }
            return;
        }
        JsonNode body = JSON.readTree(ex.getRequestBody());
        batches.incrementAndGet();
        StringBuilder out = new StringBuilder();
        JsonNode list = body.path("items");
        // answered in reverse order: lines come in completion order, the client must use "index"
        for (int i = list.size() - 1; i >= 0; i--) {
            items.incrementAndGet();
            ObjectNode line = JSON.createObjectNode();
            line.put("index", i);
            line.set("judgment", judge.apply(list.get(i)));
            out.append(line).append('\n');
        }
        byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/x-ndjson");
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
