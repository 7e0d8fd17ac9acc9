package io.distillab.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP side: query parameters and body of an upload, problems turned into one-line errors. */
class MetricsServerClientTest {

    @Test
    void uploadStreamsTheFileWithFormatModelAndNameAndProblemsBecomeErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("gpt-4o-airline.json");
        Files.writeString(file, "[]");
        AtomicReference<String> query = new AtomicReference<>();
        AtomicReference<String> body = new AtomicReference<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("localhost", 0), 4);
        server.createContext("/api/v1/datasets/7/trajectories", ex -> {
            query.set(ex.getRequestURI().getRawQuery());
            body.set(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] b = "{\"id\": 1, \"trajectories\": 0}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(201, b.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        });
        server.createContext("/api/v1/analyses", ex -> {
            byte[] b = ("{\"type\":\"https://distillab.io/problems/invalid-request\",\"status\":400,"
                    + "\"detail\":\"weights: needs three numbers\",\"field\":\"weights\"}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/problem+json");
            ex.sendResponseHeaders(400, b.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b);
            }
        });
        server.start();
        try {
            MetricsServerClient client = new MetricsServerClient(URI.create("http://localhost:"
                    + server.getAddress().getPort()));
            assertEquals(1, client.upload(7, file, "tau-bench", "my model").get("id").asInt());
            assertEquals("format=tau-bench&filename=gpt-4o-airline.json&model=my+model", query.get());
            assertEquals("[]", body.get());
            ServerException e = assertThrows(ServerException.class,
                    () -> client.submit(MetricsServerClient.JSON.createObjectNode()));
            assertEquals(400, e.status());
            assertTrue(e.getMessage().endsWith("answered 400: weights: needs three numbers"), e.getMessage());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anUnreachableServerIsOneClearError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        MetricsServerClient client = new MetricsServerClient(URI.create("http://localhost:" + port));
        ServerException e = assertThrows(ServerException.class, () -> client.analysis(1));
        assertTrue(e.getMessage().contains("cannot reach metrics-service"), e.getMessage());
    }
}
