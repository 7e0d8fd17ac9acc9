package io.distillab.service.support.testing;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A service's PostgreSQL stopped and restarted while clients keep asking, and what the clients saw
 * checked: every request answered within a bound, each answer a success or a clean 503
 * problem+json ({@code database-unavailable}, nothing internal in it) or, for a gRPC call
 * ({@link #sendGrpc}), OK or UNAVAILABLE saying the database is unavailable, readiness down during the
 * outage and up again without a restart of the service, only successes once it is back. What each
 * service acknowledged is the caller's to look up afterwards ({@link Result#acknowledged}).
 *
 * <pre>{@code
 * try (RestartablePostgres pg = RestartablePostgres.start(work.resolve("pg"));
 *      PackagedService service = PackagedService.of(module, home).property("quarkus.datasource.jdbc.url", pg.jdbcUrl())) {
 *     service.start().awaitReady(Duration.ofMinutes(3));
 *     DatabaseOutageDrill.Result r = DatabaseOutageDrill.run(service, pg, 3, () -> oneRequest(...));
 *     r.assertCleanOutageAndRecovery();
 *     ... every r.acknowledged("create") is there ...
 * }
 * }</pre>
 *
 * <p>The phases: {@link #BEFORE} of load, the immediate stop, readiness awaited at 503, {@link #DURING}
 * more of load, the restart, readiness awaited at 200, {@link #AFTER} of load (longer, up to
 * {@link #AFTER_AT_MOST}, until {@link #MIN_AFTER} requests have been answered since recovery).
 */
public final class DatabaseOutageDrill {
    /**
     * The longest a request may take: the pool's 5 s acquisition timeout plus a loaded machine's
     * slack (CI runs on 2 shared cores).
     */
    public static final Duration ANSWER_WITHIN = Duration.ofSeconds(15);
    /** How soon readiness must follow the database down and up again. */
    public static final Duration HEALTH_FOLLOWS = Duration.ofSeconds(30);
    /** After readiness is back, answers may still fail this long (connections the pool validates again). */
    public static final Duration SETTLING = Duration.ofSeconds(1);
    static final Duration BEFORE = Duration.ofSeconds(2);
    static final Duration DURING = Duration.ofSeconds(3);
    static final Duration AFTER = Duration.ofSeconds(3);
    /** Answers started after {@link #SETTLING} that show the recovery; load goes on (up to {@link #AFTER_AT_MOST}) until there are so many. */
    static final int MIN_AFTER = 6;
    static final Duration AFTER_AT_MOST = Duration.ofSeconds(30);
    /** Between one client's requests. */
    static final Duration THINK = Duration.ofMillis(50);
    /** Fragments of internals that must never be in a problem body. */
    static final List<String> INTERNALS = List.of("PSQL", "SQL", "jdbc", "Exception", "postgres", "localhost", "at io.");

    private DatabaseOutageDrill() {
    }

    /**
     * One request as the client saw it.
     *
     * @param kind         the caller's name for what was asked ("create", "list", ...)
     * @param status       the HTTP status, -1 when no answer came (connection refused, reset, timed out)
     * @param acknowledged what a 2xx answer acknowledged, in the caller's terms (an id, a name, a request body); else null
     */
    public record Outcome(String kind, long startedNanos, long nanos, int status, String contentType, String body,
                          String acknowledged) {
        public boolean succeeded() {
            return status / 100 == 2;
        }
    }

    /** The content type an outcome of {@link #sendGrpc} carries, to tell it from an HTTP answer. */
    public static final String GRPC = "application/grpc";

    /** What a 2xx answer acknowledged, read from it. */
    @FunctionalInterface
    public interface Acknowledgement {
        String of(HttpResponse<String> response) throws IOException;
    }

    /**
     * Sends one request and records it; {@code acknowledgement} reads what a 2xx answer acknowledged
     * (null for requests that store nothing).
     */
    public static Outcome send(HttpClient http, String kind, HttpRequest request, Acknowledgement acknowledgement) {
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            String ack = r.statusCode() / 100 == 2 && acknowledgement != null ? acknowledgement.of(r) : null;
            return new Outcome(kind, t0, System.nanoTime() - t0, r.statusCode(),
                    r.headers().firstValue("Content-Type").orElse(""), r.body(), ack);
        } catch (IOException e) {
            return new Outcome(kind, t0, System.nanoTime() - t0, -1, "", e.toString(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(kind, t0, System.nanoTime() - t0, -1, "", "interrupted", null);
        }
    }

    /** One gRPC call, blocking, with a deadline; returns what it acknowledged (null when it stores nothing). */
    @FunctionalInterface
    public interface GrpcCall {
        String call();
    }

    /**
     * Makes one gRPC call and records it as an HTTP answer would be: OK as 200, UNAVAILABLE as 503,
     * any other status as 500 (its code and description in the body), DEADLINE_EXCEEDED or a
     * transport failure as no answer (-1). The caller gives the call a deadline of at least
     * {@link #ANSWER_WITHIN}.
     */
    public static Outcome sendGrpc(String kind, GrpcCall call) {
        long t0 = System.nanoTime();
        try {
            String ack = call.call();
            return new Outcome(kind, t0, System.nanoTime() - t0, 200, GRPC, "OK", ack);
        } catch (io.grpc.StatusRuntimeException e) {
            io.grpc.Status.Code code = e.getStatus().getCode();
            String body = code + ": " + e.getStatus().getDescription()
                    + (e.getTrailers() == null ? "" : " " + e.getTrailers());
            int status = switch (code) {
                case UNAVAILABLE -> e.getStatus().getCause() != null ? -1 : 503; // a cause: the transport's, not the service's
                case DEADLINE_EXCEEDED -> -1;
                default -> 500;
            };
            return new Outcome(kind, t0, System.nanoTime() - t0, status, GRPC, body, null);
        }
    }

    /**
     * Runs {@code clients} threads, each sending {@code request} again and again, while
     * {@code postgres} is stopped immediately and restarted; the service must stay the same process.
     * The caller sets a request timeout of at least {@link #ANSWER_WITHIN} on what it sends.
     */
    public static Result run(PackagedService service, RestartablePostgres postgres, int clients,
                             Supplier<Outcome> request) throws InterruptedException {
        long pid = service.pid();
        ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        AtomicBoolean loading = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            for (int i = 0; i < clients; i++) {
                pool.submit(() -> {
                    while (loading.get()) {
                        long t0 = System.nanoTime();
                        try {
                            outcomes.add(request.get());
                        } catch (RuntimeException | AssertionError e) { // the client's own failure: no answer to count
                            outcomes.add(new Outcome("client", t0, System.nanoTime() - t0, -1, "", e.toString(), null));
                        }
                        pause(THINK);
                    }
                    return null;
                });
            }
            pause(BEFORE);
            long stoppedAt = System.nanoTime();
            postgres.stopImmediately();
            awaitReadiness(service, 503);
            pause(DURING); // clients keep asking while the database is gone
            long restartedAt = System.nanoTime();
            postgres.restart();
            awaitReadiness(service, 200);
            long recoveredAt = System.nanoTime();
            pause(AFTER);
            // a slow service (a job submission imports and checks its data) may have answered few by now
            long settled = recoveredAt + SETTLING.toNanos();
            long enough = System.nanoTime() + AFTER_AT_MOST.toNanos();
            while (outcomes.stream().filter(o -> o.startedNanos() > settled).count() < MIN_AFTER
                    && System.nanoTime() < enough) {
                pause(Duration.ofMillis(200));
            }
            loading.set(false);
            pool.shutdown();
            if (!pool.awaitTermination(ANSWER_WITHIN.toSeconds() * 2, TimeUnit.SECONDS)) {
                throw new AssertionError("a client did not finish within " + ANSWER_WITHIN.multipliedBy(2));
            }
            if (!service.alive() || service.pid() != pid) {
                throw new AssertionError("the service did not stay up as the same process (pid " + pid + ")");
            }
            return new Result(List.copyOf(outcomes), stoppedAt, restartedAt, recoveredAt);
        } finally {
            loading.set(false);
            pool.shutdownNow();
        }
    }

    /** Every outcome, and when the database was stopped, restarted and readiness was back (System.nanoTime). */
    public record Result(List<Outcome> outcomes, long stoppedAt, long restartedAt, long recoveredAt) {

        /** What the 2xx answers of {@code kind} acknowledged. */
        public List<String> acknowledged(String kind) {
            List<String> acks = new ArrayList<>();
            for (Outcome o : outcomes) {
                if (o.kind().equals(kind) && o.acknowledged() != null) {
                    acks.add(o.acknowledged());
                }
            }
            return acks;
        }

        /**
         * One line per kind and status, with the phases' lengths: what a run met, for the test's
         * output ({@code create: 201 x41 503 x9, slowest 5210 ms}).
         */
        public String summary() {
            java.util.Map<String, java.util.Map<Integer, Integer>> counts = new java.util.TreeMap<>();
            java.util.Map<String, Long> slowest = new java.util.TreeMap<>();
            for (Outcome o : outcomes) {
                counts.computeIfAbsent(o.kind(), k -> new java.util.TreeMap<>()).merge(o.status(), 1, Integer::sum);
                slowest.merge(o.kind(), o.nanos() / 1_000_000, Math::max);
            }
            StringBuilder sb = new StringBuilder(String.format("database down %.1f s, readiness back %.1f s after the restart%n",
                    (restartedAt - stoppedAt) / 1e9, (recoveredAt - restartedAt) / 1e9));
            counts.forEach((kind, byStatus) -> {
                sb.append(kind).append(':');
                byStatus.forEach((status, n) -> sb.append(' ').append(status).append(" x").append(n));
                sb.append(", slowest ").append(slowest.get(kind)).append(" ms");
                sb.append(System.lineSeparator());
            });
            return sb.toString();
        }

        /** The outcomes of {@code kind}. */
        public List<Outcome> of(String kind) {
            return outcomes.stream().filter(o -> o.kind().equals(kind)).toList();
        }

        /**
         * Every request answered within {@link #ANSWER_WITHIN}; every answer 2xx or a 503
         * problem+json of type {@code database-unavailable} with nothing internal in it; at least one
         * such 503 for a request in flight while the database was down (the fault was met); only 2xx from {@link #SETTLING}
         * after readiness was back, and enough of those to say so.
         */
        public void assertCleanOutageAndRecovery() {
            List<String> problems = new ArrayList<>();
            for (Outcome o : outcomes) {
                if (o.nanos() >= ANSWER_WITHIN.toNanos()) {
                    problems.add("took " + o.nanos() / 1_000_000 + " ms: " + o);
                } else if (o.status() < 0) {
                    problems.add("no HTTP answer: " + o);
                } else if (o.status() == 503) {
                    if (GRPC.equals(o.contentType())) {
                        if (!o.body().startsWith("UNAVAILABLE: Database unavailable") || !o.body().contains("retry-after=")) {
                            problems.add("an UNAVAILABLE that is not the database's, with retry-after: " + o);
                        }
                    } else if (!o.contentType().startsWith("application/problem+json")
                            || !o.body().contains("database-unavailable")) {
                        problems.add("a 503 that is not the database-unavailable problem: " + o);
                    }
                    for (String internal : INTERNALS) {
                        if (o.body().contains(internal)) {
                            problems.add("internals (" + internal + ") in a problem body: " + o);
                        }
                    }
                } else if (!o.succeeded()) {
                    problems.add("neither success nor a clean 503: " + o);
                }
            }
            // answered while the database was down (a slow request may have started before the stop)
            long met = outcomes.stream().filter(o -> o.status() == 503)
                    .filter(o -> o.startedNanos() + o.nanos() > stoppedAt && o.startedNanos() < restartedAt).count();
            if (met == 0) {
                problems.add("no request met the stopped database: the fault was not exercised");
            }
            List<Outcome> afterRecovery = outcomes.stream()
                    .filter(o -> o.startedNanos() > recoveredAt + SETTLING.toNanos()).toList();
            if (afterRecovery.size() < MIN_AFTER) {
                problems.add("too few requests after recovery: " + afterRecovery.size());
            }
            afterRecovery.stream().filter(o -> !o.succeeded())
                    .forEach(o -> problems.add("failed " + SETTLING.toMillis() + " ms or more after readiness came back: " + o));
            if (!problems.isEmpty()) {
                throw new AssertionError(problems.size() + " of " + outcomes.size() + " outcomes wrong:\n"
                        + String.join("\n", problems.subList(0, Math.min(20, problems.size()))));
            }
        }
    }

    /** Waits until {@code /q/health/ready} answers {@code status}, at most {@link #HEALTH_FOLLOWS}. */
    public static void awaitReadiness(PackagedService service, int status) {
        long deadline = System.nanoTime() + HEALTH_FOLLOWS.toNanos();
        while (service.status("/q/health/ready") != status) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("readiness did not answer " + status + " within " + HEALTH_FOLLOWS);
            }
            pause(Duration.ofMillis(200));
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
