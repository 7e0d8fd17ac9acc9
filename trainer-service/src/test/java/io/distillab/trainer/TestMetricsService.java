package io.distillab.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for metrics-service speaking the two calls trainer-service makes, as metrics-service's
 * README documents them: {@code GET /api/v1/datasets/{id}} (404 when absent) and
 * {@code GET /api/v1/datasets/{id}/trajectories[?model=M]} (chat JSONL, one canonical record per line).
 * Like metrics-service with security on, it answers 401 to a call without trainer-service's key
 * ({@link TrainerTestProfile#METRICS_API_KEY}) and counts such calls.
 */
public final class TestMetricsService {
    private static final Pattern PATH = Pattern.compile("/api/v1/datasets/(\\d+)(/trajectories)?");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Long, List<String>> DATASETS = new ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicInteger UNAUTHORIZED = new java.util.concurrent.atomic.AtomicInteger();
    private static HttpServer server;

    private TestMetricsService() {
    }

    /** The port, picked once per JVM; the server starts with the first dataset. */
    public static int port() {
        return Integer.parseInt((String) System.getProperties().computeIfAbsent("distillab.test.metrics.port", k -> {
            try (ServerSocket s = new ServerSocket(0)) {
                return String.valueOf(s.getLocalPort());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
    }

    /** Serves dataset {@code id} with these chat JSONL lines. */
    public static synchronized void dataset(long id, List<String> lines) throws IOException {
        DATASETS.put(id, List.copyOf(lines));
        if (server == null) {
            server = HttpServer.create(new InetSocketAddress("localhost", port()), 0);
            server.createContext("/api/v1/datasets/", TestMetricsService::handle);
            server.start();
        }
    }

    /** Calls refused so far for a missing or wrong key. */
    public static int unauthorized() {
        return UNAUTHORIZED.get();
    }

    private static void handle(HttpExchange x) throws IOException {
        if (!("Bearer " + TrainerTestProfile.METRICS_API_KEY).equals(x.getRequestHeaders().getFirst("Authorization"))) {
            UNAUTHORIZED.incrementAndGet();
            x.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            send(x, 401, "application/problem+json", "{\"status\":401,\"title\":\"Unauthenticated\"}");
            return;
        }
        Matcher m = PATH.matcher(x.getRequestURI().getPath());
        List<String> lines = m.matches() ? DATASETS.get(Long.parseLong(m.group(1))) : null;
        if (lines == null) {
            send(x, 404, "application/problem+json", "{\"status\":404,\"title\":\"Not found\"}");
            return;
        }
        if (m.group(2) == null) {
            send(x, 200, "application/json", "{\"id\":" + m.group(1) + ",\"name\":\"test\",\"trajectories\":"
                    + lines.size() + "}");
            return;
        }
        String query = x.getRequestURI().getRawQuery();
        String model = null;
        if (query != null && query.startsWith("model=")) {
            model = URLDecoder.decode(query.substring("model=".length()), StandardCharsets.UTF_8);
        }
        StringBuilder body = new StringBuilder();
        for (String line : lines) {
            if (model == null || JSON.readTree(line).path("model").asText().equals(model)) {
                body.append(line).append('\n');
            }
        }
        send(x, 200, "application/x-ndjson", body.toString());
    }

    private static void send(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }
}
