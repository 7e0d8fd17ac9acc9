package io.distillab.cli.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The figures of docs/performance.md's metrics-service section, measured against a running service:
 * <ol>
 *   <li>import throughput: a tau-bench file of about {@code --mb} MB (the bundled records repeated,
 *       task ids made unique) uploaded {@code --uploads} times; MB/s = file bytes / wall time of the
 *       upload request (streaming, parsing, COPY into PostgreSQL, commit);</li>
 *   <li>read latency: {@code --clients} concurrent clients (default 32) each reading the result of
 *       a done analysis {@code --reads} times over loopback; p50 and p99 of the request latency.</li>
 * </ol>
 * Run: {@code java -cp cli/target/distillab-cli.jar:cli/target/lib/'*' io.distillab.cli.server.ServerBench
 * --server http://localhost:8080 --data data/tau-bench/gpt-4o-airline.json}
 */
public final class ServerBench {
    private ServerBench() {
    }

    public static void main(String[] args) throws Exception {
        URI server = URI.create(arg(args, "--server", "http://localhost:8080"));
        Path data = Path.of(arg(args, "--data", "data/tau-bench/gpt-4o-airline.json"));
        int mb = Integer.parseInt(arg(args, "--mb", "100"));
        int uploads = Integer.parseInt(arg(args, "--uploads", "3"));
        int clients = Integer.parseInt(arg(args, "--clients", "32"));
        int reads = Integer.parseInt(arg(args, "--reads", "300"));
        MetricsServerClient client = new MetricsServerClient(server);

        Path big = Files.createTempFile("bench-gpt-4o-airline-", ".json");
        long bytes = replicate(data, big, mb * 1_000_000L);
        System.out.printf(Locale.ROOT, "file: %s, %.1f MB%n", big, bytes / 1e6);
        long dataset = client.createDataset("bench-" + System.currentTimeMillis(), "ServerBench");
        double best = 0;
        for (int i = 0; i < uploads; i++) {
            long t0 = System.nanoTime();
            JsonNode u = client.upload(dataset, big, "tau-bench", "bench-model-" + i);
            double s = (System.nanoTime() - t0) / 1e9;
            double rate = bytes / 1e6 / s;
            best = Math.max(best, rate);
            System.out.printf(Locale.ROOT, "upload %d: %d trajectories, %.1f MB in %.2f s = %.1f MB/s (server %.2f s)%n",
                    i, u.get("trajectories").asInt(), bytes / 1e6, s, rate, u.get("seconds").asDouble());
        }
        System.out.printf(Locale.ROOT, "import best: %.1f MB/s%n", best);
        Files.delete(big);

        long small = client.createDataset("bench-read-" + System.currentTimeMillis(), "ServerBench");
        client.upload(small, data, "tau-bench", null);
        ObjectNode p = MetricsServerClient.JSON.createObjectNode().put("dataset", small).put("splitTrials", true)
                .put("ged", true);
        long id = client.submit(p);
        while (!client.analysis(id).path("status").asText().matches("done|failed")) {
            Thread.sleep(100);
        }
        int resultBytes = client.result(id).length();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest get = HttpRequest.newBuilder(client.base().resolve("api/v1/analyses/" + id + "/result")).GET().build();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            runClients(pool, http, get, clients, Math.max(20, reads / 5)); // warm-up: JIT, connections
            long t0 = System.nanoTime();
            long[] latencies = runClients(pool, http, get, clients, reads);
            double wall = (System.nanoTime() - t0) / 1e9;
            Arrays.sort(latencies);
            System.out.printf(Locale.ROOT, "read %d-byte result: %d clients x %d reads, %.0f req/s, p50 %.2f ms, "
                            + "p99 %.2f ms, max %.2f ms%n", resultBytes, clients, reads, latencies.length / wall,
                    pct(latencies, 0.50), pct(latencies, 0.99), latencies[latencies.length - 1] / 1e6);
        } finally {
            pool.shutdownNow();
        }
    }

    private static long[] runClients(ExecutorService pool, HttpClient http, HttpRequest get, int clients, int reads)
            throws Exception {
        List<Future<long[]>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            futures.add(pool.submit(() -> {
                long[] l = new long[reads];
                for (int i = 0; i < reads; i++) {
                    long t = System.nanoTime();
                    HttpResponse<byte[]> r = http.send(get, HttpResponse.BodyHandlers.ofByteArray());
                    l[i] = System.nanoTime() - t;
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException("HTTP " + r.statusCode());
                    }
                }
                return l;
            }));
        }
        long[] all = new long[clients * reads];
        for (int c = 0; c < clients; c++) {
            System.arraycopy(futures.get(c).get(), 0, all, c * reads, reads);
        }
        return all;
    }

    private static double pct(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    /** The bundled records repeated until the file has {@code target} bytes; each copy's task ids get a suffix. */
    private static long replicate(Path source, Path target, long size) throws Exception {
        JsonNode records = MetricsServerClient.JSON.readTree(source.toFile());
        try (OutputStream out = Files.newOutputStream(target);
             JsonGenerator g = MetricsServerClient.JSON.getFactory().createGenerator(out)) {
            g.writeStartArray();
            for (int copy = 0; Files.size(target) < size; copy++) {
                for (JsonNode r : records) {
                    ObjectNode o = r.deepCopy();
                    o.put("task_id", r.get("task_id").asText() + "-" + copy);
                    g.writeTree(o);
                }
                g.flush();
            }
            g.writeEndArray();
        }
        return Files.size(target);
    }

    private static String arg(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
