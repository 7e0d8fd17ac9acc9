package io.distillab.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.cli.AtomicFiles;
import io.distillab.cli.ExitCodes;
import io.distillab.cli.server.ServerToken;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code distillab bench load}: a fixed-rate load on a running metrics-service and judge-service
 * together, for docs/performance.md.
 *
 * <p>An open model: request {@code i} is due at {@code start + i / rate} whatever happened to the
 * earlier ones (a closed loop of clients waiting for answers would slow down with the service and
 * hide its queueing). Latency is measured from the due time, so time a request spent waiting to be
 * sent counts too. The mix, drawn per request from a seeded generator:
 * <ul>
 *   <li>40% {@code list}: GET metrics-service's datasets;</li>
 *   <li>30% {@code result}: GET the result of an analysis done during setup;</li>
 *   <li>25% {@code judge-batch}: POST judge-service a stage batch of 4 texts, new each time (cache
 *       misses: the offline judge embeds them), every line's judgment must be ok;</li>
 *   <li>5% {@code upload}: POST metrics-service a 3-trajectory tau-bench file.</li>
 * </ul>
 * Memory is sampled every {@code --sample-every}: each service's heap from its Micrometer endpoint
 * ({@code jvm_memory_used_bytes{area="heap"}}) and, given {@code --metrics-pid}/{@code --judge-pid},
 * its resident set from {@code /proc/PID/status}. At the end every acknowledged upload must be in
 * the dataset, whole; exit code 1 when one is missing.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = "Fixed-rate mixed load on metrics-service and judge-service: error rate, p50/p99 per kind, "
                + "memory over time, and a check that no acknowledged upload was lost.")
public final class BenchLoadCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> KINDS = List.of("list", "result", "judge-batch", "upload");
    private static final Pattern HEAP = Pattern.compile("^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*}\\s+(\\S+)",
            Pattern.MULTILINE);
    private static final Pattern RSS = Pattern.compile("^VmRSS:\\s+(\\d+) kB", Pattern.MULTILINE);

    @Spec
    CommandSpec spec;

    @Option(names = "--metrics", required = true, paramLabel = "URL", description = "A running metrics-service.")
    URI metrics;

    @Option(names = "--judge", required = true, paramLabel = "URL", description = "A running judge-service.")
    URI judge;

    @Option(names = "--metrics-token", paramLabel = "TOKEN",
            description = "Token for metrics-service (default: DISTILLAB_TOKEN, else its local admin key).")
    String metricsToken;

    @Option(names = "--judge-token", paramLabel = "TOKEN",
            description = "Token for judge-service (default: DISTILLAB_TOKEN, else its local admin key).")
    String judgeToken;

    @Option(names = "--rate", paramLabel = "PER_SECOND", description = "Requests started per second (default 20).")
    double rate = 20;

    @Option(names = "--duration", paramLabel = "DURATION", description = "How long to load, e.g. 5m, 30s (default 5m).")
    String duration = "5m";

    @Option(names = "--sample-every", paramLabel = "DURATION", description = "Memory sampling period (default 10s).")
    String sampleEvery = "10s";

    @Option(names = "--metrics-pid", paramLabel = "PID", description = "metrics-service's pid, for its resident memory.")
    Long metricsPid;

    @Option(names = "--judge-pid", paramLabel = "PID", description = "judge-service's pid, for its resident memory.")
    Long judgePid;

    @Option(names = "--data", paramLabel = "FILE",
            description = "tau-bench results file: analysed once at setup, its first 3 records are the uploads "
                    + "(default data/tau-bench/gpt-4o-airline.json).")
    Path data = Path.of("data/tau-bench/gpt-4o-airline.json");

    @Option(names = "--max-in-flight", paramLabel = "N",
            description = "Requests outstanding at most; a due request beyond it is counted as an error (default 2000).")
    int maxInFlight = 2000;

    @Option(names = "--seed", description = "Seed of the request mix (default 1).")
    long seed = 1;

    @Option(names = "--json", paramLabel = "OUT", description = "Also write the results as JSON.")
    Path json;

    /** One finished request. */
    record Sample(String kind, long latencyNanos, boolean ok, String error) {
    }

    /** Memory at one moment: bytes, -1 where not measured. */
    record Memory(double atSeconds, long metricsRss, long metricsHeap, long judgeRss, long judgeHeap) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Duration total = parseDuration("--duration", duration);
        Duration sampling = parseDuration("--sample-every", sampleEvery);
        if (!(rate > 0) || rate > 10_000) {
            throw new ParameterException(spec.commandLine(), "--rate: must be in (0, 10000], got " + rate);
        }
        if (!Files.isReadable(data)) {
            throw new ParameterException(spec.commandLine(), "--data: cannot read " + data);
        }
        String mToken = ServerToken.resolve(metricsToken, metrics, ServerToken.METRICS).orElse(null);
        String jToken = ServerToken.resolve(judgeToken, judge, ServerToken.JUDGE).orElse(null);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        Services services = new Services(http, metrics, mToken, judge, jToken);

        // setup: a dataset with the whole file and a done analysis (results are read), one for uploads
        byte[] whole = Files.readAllBytes(data);
        ArrayNode records = (ArrayNode) JSON.readTree(whole);
        ArrayNode three = JSON.createArrayNode();
        for (int i = 0; i < Math.min(3, records.size()); i++) {
            three.add(records.get(i));
        }
        byte[] small = JSON.writeValueAsBytes(three);
        String run = "bench-load-" + System.currentTimeMillis();
        long analysed = services.createDataset(run + "-analysed");
        services.upload(analysed, whole);
        long analysis = services.analyse(analysed, Duration.ofMinutes(10));
        long uploads = services.createDataset(run + "-uploads");
        out.printf(Locale.ROOT, "setup: dataset %d analysed (analysis %d), uploads into dataset %d%n",
                analysed, analysis, uploads);
        out.flush();

        ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> acknowledged = new ConcurrentLinkedQueue<>();
        List<Memory> memory = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger inFlight = new AtomicInteger();
        Random mix = new Random(seed);
        long start = System.nanoTime();
        long end = start + total.toNanos();
        long periodNanos = (long) (1e9 / rate);
        List<CompletableFuture<?>> pending = new ArrayList<>();
        // sampled on a thread of its own: a slow metrics endpoint must not delay the arrivals
        java.util.concurrent.ScheduledExecutorService sampler = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "memory-sampler");
                    t.setDaemon(true);
                    return t;
                });
        sampler.scheduleWithFixedDelay(() -> memory.add(services.memory((System.nanoTime() - start) / 1e9,
                metricsPid, judgePid)), 0, sampling.toMillis(), TimeUnit.MILLISECONDS);
        for (long i = 0; ; i++) {
            long due = start + i * periodNanos;
            if (due >= end) {
                break;
            }
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            int dice = mix.nextInt(100);
            String kind = dice < 40 ? "list" : dice < 70 ? "result" : dice < 95 ? "judge-batch" : "upload";
            if (inFlight.get() >= maxInFlight) {
                samples.add(new Sample(kind, System.nanoTime() - due, false, "more than " + maxInFlight + " in flight"));
                continue;
            }
            inFlight.incrementAndGet();
            HttpRequest request = switch (kind) {
                case "list" -> services.metricsGet("/api/v1/datasets");
                case "result" -> services.metricsGet("/api/v1/analyses/" + analysis + "/result");
                case "judge-batch" -> services.stageBatch(run + "-" + i);
                default -> services.uploadRequest(uploads, small);
            };
            CompletableFuture<?> f = http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .handle((response, failure) -> {
                        long latency = System.nanoTime() - due;
                        inFlight.decrementAndGet();
                        String error = failure != null ? failure.toString() : check(kind, response, acknowledged);
                        samples.add(new Sample(kind, latency, error == null, error));
                        return null;
                    });
            pending.add(f);
            if (pending.size() > 10_000) {
                pending.removeIf(CompletableFuture::isDone);
            }
        }
        double loadSeconds = (System.nanoTime() - start) / 1e9;
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
        sampler.shutdown();
        sampler.awaitTermination(1, TimeUnit.MINUTES);
        memory.add(services.memory((System.nanoTime() - start) / 1e9, metricsPid, judgePid));

        // nothing lost: every acknowledged upload is listed, and the dataset holds exactly their trajectories
        Set<Long> present = new java.util.HashSet<>();
        for (int page = 0; ; page++) { // a paged list: {"items", "page", "size", "total"}
            JsonNode items = JSON.readTree(services.metricsGetBody("/api/v1/datasets/" + uploads
                    + "/uploads?size=500&page=" + page)).get("items");
            items.forEach(u -> present.add(u.get("id").asLong()));
            if (items.size() < 500) {
                break;
            }
        }
        long lost = acknowledged.stream().filter(id -> !present.contains(id)).count();
        long trajectories = JSON.readTree(services.metricsGetBody("/api/v1/datasets/" + uploads))
                .get("trajectories").asLong();
        long expectedTrajectories = (long) three.size() * present.size();

        ObjectNode report = report(new ArrayList<>(samples), List.copyOf(memory), loadSeconds, acknowledged.size(), lost,
                trajectories, expectedTrajectories);
        print(out, report);
        if (json != null) {
            AtomicFiles.write(json, o -> JSON.writerWithDefaultPrettyPrinter().writeValue(o, report));
        }
        return lost == 0 && trajectories == expectedTrajectories ? ExitCodes.OK : ExitCodes.INTERNAL;
    }

    /** Null when the answer is the success this kind expects, else what was wrong. */
    static String check(String kind, HttpResponse<String> r, ConcurrentLinkedQueue<Long> acknowledged) {
        int expected = kind.equals("upload") ? 201 : 200;
        if (r.statusCode() != expected) {
            return "HTTP " + r.statusCode();
        }
        try {
            if (kind.equals("upload")) {
                acknowledged.add(JSON.readTree(r.body()).get("id").asLong());
            } else if (kind.equals("judge-batch")) {
                for (String line : r.body().split("\n")) {
                    if (!line.isBlank() && !JSON.readTree(line).path("judgment").path("status").asText().equals("ok")) {
                        return "judgment not ok: " + line;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unreadable answer: " + e;
        }
        return null;
    }

    static ObjectNode report(List<Sample> samples, List<Memory> memory, double loadSeconds, int acknowledged,
                             long lost, long trajectories, long expectedTrajectories) {
        ObjectNode r = JSON.createObjectNode();
        r.put("seconds", loadSeconds);
        r.put("requests", samples.size());
        r.put("achieved_rate", samples.size() / loadSeconds);
        long errors = samples.stream().filter(s -> !s.ok()).count();
        r.put("errors", errors);
        r.put("error_rate", samples.isEmpty() ? 0 : (double) errors / samples.size());
        ObjectNode kinds = r.putObject("kinds");
        Map<String, List<Sample>> byKind = samples.stream().collect(Collectors.groupingBy(Sample::kind,
                LinkedHashMap::new, Collectors.toList()));
        for (String kind : KINDS) {
            List<Sample> of = byKind.getOrDefault(kind, List.of());
            long[] ms = of.stream().mapToLong(Sample::latencyNanos).sorted().toArray();
            ObjectNode k = kinds.putObject(kind);
            k.put("requests", of.size());
            k.put("errors", of.stream().filter(s -> !s.ok()).count());
            k.put("p50_ms", percentile(ms, 0.50) / 1e6);
            k.put("p99_ms", percentile(ms, 0.99) / 1e6);
            k.put("max_ms", ms.length == 0 ? 0 : ms[ms.length - 1] / 1e6);
        }
        ArrayNode firstErrors = r.putArray("first_errors");
        samples.stream().filter(s -> !s.ok()).map(s -> s.kind() + ": " + s.error()).distinct().limit(5)
                .forEach(firstErrors::add);
        ArrayNode mem = r.putArray("memory");
        for (Memory m : memory) {
            mem.addObject().put("at_s", m.atSeconds()).put("metrics_rss_mb", mb(m.metricsRss()))
                    .put("metrics_heap_mb", mb(m.metricsHeap())).put("judge_rss_mb", mb(m.judgeRss()))
                    .put("judge_heap_mb", mb(m.judgeHeap()));
        }
        r.put("uploads_acknowledged", acknowledged);
        r.put("uploads_lost", lost);
        r.put("trajectories", trajectories);
        r.put("trajectories_expected", expectedTrajectories);
        return r;
    }

    /** Nearest-rank percentile of sorted values; 0 when there are none. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double mb(long bytes) {
        return bytes < 0 ? -1 : Math.round(bytes / 1048576.0 * 10) / 10.0;
    }

    private static void print(PrintWriter out, JsonNode r) {
        out.printf(Locale.ROOT, "load: %d requests in %.1f s (%.1f/s), errors %d (%.3f%%)%n", r.get("requests").asLong(),
                r.get("seconds").asDouble(), r.get("achieved_rate").asDouble(), r.get("errors").asLong(),
                100 * r.get("error_rate").asDouble());
        out.printf(Locale.ROOT, "%-12s %9s %7s %10s %10s %10s%n", "kind", "requests", "errors", "p50 ms", "p99 ms", "max ms");
        r.get("kinds").properties().forEach(e -> out.printf(Locale.ROOT, "%-12s %9d %7d %10.1f %10.1f %10.1f%n",
                e.getKey(), e.getValue().get("requests").asLong(), e.getValue().get("errors").asLong(),
                e.getValue().get("p50_ms").asDouble(), e.getValue().get("p99_ms").asDouble(),
                e.getValue().get("max_ms").asDouble()));
        r.get("first_errors").forEach(e -> out.println("error: " + e.asText()));
        out.printf(Locale.ROOT, "%8s %16s %17s %14s %15s%n", "t s", "metrics RSS MB", "metrics heap MB", "judge RSS MB",
                "judge heap MB");
        r.get("memory").forEach(m -> out.printf(Locale.ROOT, "%8.0f %16.1f %17.1f %14.1f %15.1f%n",
                m.get("at_s").asDouble(), m.get("metrics_rss_mb").asDouble(), m.get("metrics_heap_mb").asDouble(),
                m.get("judge_rss_mb").asDouble(), m.get("judge_heap_mb").asDouble()));
        out.printf(Locale.ROOT, "uploads: %d acknowledged, %d lost; trajectories %d (expected %d)%n",
                r.get("uploads_acknowledged").asLong(), r.get("uploads_lost").asLong(), r.get("trajectories").asLong(),
                r.get("trajectories_expected").asLong());
        out.flush();
    }

    private Duration parseDuration(String option, String text) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(text.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new ParameterException(spec.commandLine(), option + ": expected a positive duration like 30s or 5m, got '"
                    + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** The two services' endpoints the load uses. */
    static final class Services {
        private final HttpClient http;
        private final URI metrics;
        private final String metricsToken;
        private final URI judge;
        private final String judgeToken;

        Services(HttpClient http, URI metrics, String metricsToken, URI judge, String judgeToken) {
            this.http = http;
            this.metrics = metrics;
            this.metricsToken = metricsToken;
            this.judge = judge;
            this.judgeToken = judgeToken;
        }

        HttpRequest metricsGet(String path) {
            return authorized(HttpRequest.newBuilder(metrics.resolve(path)), metricsToken).GET().build();
        }

        String metricsGetBody(String path) throws IOException, InterruptedException {
            HttpResponse<String> r = http.send(metricsGet(path), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("GET " + path + " answered HTTP " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        }

        HttpRequest stageBatch(String unique) {
            ObjectNode body = JSON.createObjectNode();
            ArrayNode items = body.putArray("items");
            String[] texts = {"I will look up the reservation %s before changing anything.",
                "The user wants to cancel booking %s; checking the fare rules first.",
                "Calling get_user_details for %s to find the payment methods.",
                "The flight for %s is delayed, so I offer a rebooking."};
            for (String t : texts) {
                items.addObject().put("text", String.format(Locale.ROOT, t, unique)).put("judge", "offline");
            }
            return authorized(HttpRequest.newBuilder(judge.resolve("/api/v1/stages/batch")), judgeToken)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        }

        HttpRequest uploadRequest(long dataset, byte[] file) {
            return authorized(HttpRequest.newBuilder(metrics.resolve("/api/v1/datasets/" + dataset
                    + "/trajectories?format=tau-bench&filename=bench-airline.json")), metricsToken)
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(file)).build();
        }

        long createDataset(String name) throws IOException, InterruptedException {
            HttpResponse<String> r = http.send(authorized(HttpRequest.newBuilder(metrics.resolve("/api/v1/datasets")),
                    metricsToken).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("name", name).toString()))
                    .build(), HttpResponse.BodyHandlers.ofString());
            return expect(r, 201, "create dataset").get("id").asLong();
        }

        void upload(long dataset, byte[] file) throws IOException, InterruptedException {
            expect(http.send(uploadRequest(dataset, file), HttpResponse.BodyHandlers.ofString()), 201, "upload");
        }

        /** Submits an analysis of the dataset (trials apart) and waits until it is done. */
        long analyse(long dataset, Duration within) throws IOException, InterruptedException {
            HttpResponse<String> r = http.send(authorized(HttpRequest.newBuilder(metrics.resolve("/api/v1/analyses")),
                    metricsToken).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("dataset", dataset)
                            .put("splitTrials", true).toString())).build(), HttpResponse.BodyHandlers.ofString());
            long id = expect(r, 202, "submit analysis").get("id").asLong();
            long deadline = System.nanoTime() + within.toNanos();
            while (true) {
                String status = JSON.readTree(metricsGetBody("/api/v1/analyses/" + id)).get("status").asText();
                if (status.equals("done")) {
                    return id;
                }
                if (status.equals("failed") || System.nanoTime() > deadline) {
                    throw new IOException("the setup analysis " + id + " is " + status);
                }
                Thread.sleep(200);
            }
        }

        Memory memory(double at, Long metricsPid, Long judgePid) {
            return new Memory(at, rss(metricsPid), heap(metrics, metricsToken), rss(judgePid), heap(judge, judgeToken));
        }

        /** The sum of the heap pools' use; the prod profile's metrics endpoint wants a token. */
        private long heap(URI service, String token) {
            try {
                HttpResponse<String> r = http.send(authorized(HttpRequest.newBuilder(service.resolve("/q/metrics")), token)
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    return -1;
                }
                Matcher m = HEAP.matcher(r.body());
                double sum = 0;
                boolean any = false;
                while (m.find()) {
                    sum += Double.parseDouble(m.group(1));
                    any = true;
                }
                return any ? (long) sum : -1;
            } catch (IOException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        private static long rss(Long pid) {
            if (pid == null) {
                return -1;
            }
            try {
                Matcher m = RSS.matcher(Files.readString(Path.of("/proc", pid.toString(), "status")));
                return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
            } catch (IOException e) {
                return -1;
            }
        }

        private static HttpRequest.Builder authorized(HttpRequest.Builder b, String token) {
            return token == null ? b.timeout(Duration.ofMinutes(2))
                    : b.header("Authorization", "Bearer " + token).timeout(Duration.ofMinutes(2));
        }

        private static JsonNode expect(HttpResponse<String> r, int status, String what) throws IOException {
            if (r.statusCode() != status) {
                throw new IOException(what + " answered HTTP " + r.statusCode() + ": " + r.body());
            }
            return JSON.readTree(r.body());
        }
    }
}
