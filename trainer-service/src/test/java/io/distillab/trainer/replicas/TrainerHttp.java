package io.distillab.trainer.replicas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The integration tests' HTTP calls to a trainer-service process, all through {@link #request},
 * which sends the admin key every process is started with ({@link TrainerProcess}).
 */
final class TrainerHttp {
    /** A bootstrap admin key (distillab.auth.bootstrap-keys) of the test's processes. */
    static final String ADMIN_KEY = "dlk_replica-processes-it-admin-key-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;

    TrainerHttp(int port) {
        this.base = "http://localhost:" + port;
    }

    /** Every request starts here. */
    private HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofMinutes(2))
                .header("Authorization", "Bearer " + ADMIN_KEY);
    }

    /** The status of GET {@code path}, or -1 when nothing answers (the process is starting or gone). */
    int status(String path) {
        try {
            return CLIENT.send(request(path).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** GET {@code path}, which must answer 200 with JSON. */
    JsonNode get(String path) {
        return json(send(request(path).GET().build()), 200);
    }

    /** Submits a job on an uploaded trajectory file (chat JSONL); returns its id. */
    long submit(Map<String, Object> parameters, byte[] chatJsonl) {
        try {
            String query = "?filename=data.jsonl&parameters="
                    + URLEncoder.encode(JSON.writeValueAsString(parameters), StandardCharsets.UTF_8);
            HttpRequest r = request("/api/v1/jobs" + query).header("Content-Type", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(chatJsonl)).build();
            return json(send(r), 202).get("id").asLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpResponse<String> send(HttpRequest r) {
        try {
            return CLIENT.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(r.method() + " " + r.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(HttpResponse<String> r, int expected) {
        if (r.statusCode() != expected) {
            throw new AssertionError(r.request().method() + " " + r.uri() + " answered " + r.statusCode()
                    + " (expected " + expected + "): " + r.body());
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
