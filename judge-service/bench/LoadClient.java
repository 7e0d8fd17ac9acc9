import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load for judge-service's benchmark (run by service-bench.sh with {@code java LoadClient.java}):
 * {@code concurrency} clients post RPS judgments, each a new input (a cache miss and a provider
 * call), to {@code POST /api/v1/rps} with judge "llm", and one line of results is printed.
 * Usage: java LoadClient.java BASE_URL CONCURRENCY JUDGMENTS RUN_ID
 */
public class LoadClient {
    public static void main(String[] args) throws Exception {
        String base = args[0];
        int concurrency = Integer.parseInt(args[1]);
        int judgments = Integer.parseInt(args[2]);
        String run = args[3];
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(4)).build();
        AtomicInteger next = new AtomicInteger();
        long[] latencies = new long[judgments];
        ExecutorService workers = Executors.newFixedThreadPool(concurrency);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            done.add(workers.submit(() -> {
                for (int i = next.getAndIncrement(); i < judgments; i = next.getAndIncrement()) {
                    String body = "{\"stage\":\"notification\",\"judge\":\"llm\",\"messagesA\":[\"Your reservation " + run
                            + "-" + i + " has been cancelled.\"],\"messagesB\":[\"I cancelled booking " + run + "-" + i
                            + "; the refund is on its way.\"]}";
                    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/rps"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                    long t0 = System.nanoTime();
                    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                    latencies[i] = System.nanoTime() - t0;
                    if (response.statusCode() != 200 || !response.body().contains("\"status\":\"ok\"")
                            || !response.body().contains("\"cached\":false")) {
                        throw new IllegalStateException("unexpected answer " + response.statusCode() + ": " + response.body());
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        workers.shutdown();
        Arrays.sort(latencies);
        double cpuMs = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e6 / judgments;
        // The table row; service-bench.sh appends the other processes' CPU per judgment.
        System.out.printf(Locale.ROOT, "| %d | %d | %.2f | **%.0f** | %.0f | %.0f | %.0f | %.1f", concurrency, judgments,
                seconds, judgments / seconds, latencies[judgments / 2] / 1e6, latencies[(int) (judgments * 0.99)] / 1e6,
                concurrency * 1000.0 / 50, cpuMs);
        System.exit(0);
    }
}
