package io.distillab.judge.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The claim protocol against an in-memory database with the semantics of the SQL in
 * JudgmentCache (insert a claim unless a live one exists, take over an expired one, drop it with
 * the result in one step). Time is a fake clock that the sleeper advances, so waits cost nothing.
 */
class OncePerInputTest {
    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final OncePerInput.Settings SETTINGS = new OncePerInput.Settings(LEASE, Duration.ofSeconds(30),
            Duration.ofMillis(10), Duration.ofMillis(80), 3, Duration.ofMillis(50));

    /** The shared database: results and claims (holder, expiry in clock nanos). */
    static final class Db {
        final AtomicLong clock = new AtomicLong();
        final Map<String, String> results = new HashMap<>();
        final Map<String, String> claimHolder = new HashMap<>();
        final Map<String, Long> claimExpiry = new HashMap<>();
        int failWrites;

        synchronized boolean liveClaim(String key) {
            return claimHolder.containsKey(key) && claimExpiry.get(key) > clock.get();
        }
    }

    /** One replica's view of the database (the holder is implied, as in JudgmentCache). */
    static final class Replica implements OncePerInput.Store<String> {
        final Db db;
        final String name;
        final List<List<String>> renewed = new ArrayList<>();

        Replica(Db db, String name) {
            this.db = db;
            this.name = name;
        }

        @Override
        public Optional<String> find(String key) {
            synchronized (db) {
                return Optional.ofNullable(db.results.get(key));
            }
        }

        @Override
        public OncePerInput.Claim claim(String key) {
            synchronized (db) {
                if (db.liveClaim(key)) {
                    return OncePerInput.Claim.HELD_ELSEWHERE;
                }
                if (db.results.containsKey(key)) {
                    return OncePerInput.Claim.JUDGED;
                }
                db.claimHolder.put(key, name);
                db.claimExpiry.put(key, db.clock.get() + LEASE.toNanos());
                return OncePerInput.Claim.CLAIMED;
            }
        }

        @Override
        public void storeAndRelease(String key, String result) {
            synchronized (db) {
                if (db.failWrites > 0) {
                    db.failWrites--;
                    throw new IllegalStateException("connection lost");
                }
                db.results.putIfAbsent(key, result);
                db.claimHolder.remove(key, name);
            }
        }

        @Override
        public void release(String key) {
            synchronized (db) {
                if (db.claimHolder.remove(key, name)) {
                    db.claimExpiry.remove(key);
                }
            }
        }

        @Override
        public void renew(List<String> keys) {
            synchronized (db) {
                renewed.add(keys);
                keys.stream().filter(k -> name.equals(db.claimHolder.get(k)))
                        .forEach(k -> db.claimExpiry.put(k, db.clock.get() + LEASE.toNanos()));
            }
        }
    }

    /** Records what the protocol reports. */
    static final class Events implements OncePerInput.Listener {
        final List<String> seen = new ArrayList<>();

        @Override
        public void writeFailed(String key, int attempt, RuntimeException e) {
            seen.add("writeFailed " + attempt);
        }

        @Override
        public void writeGaveUp(String key, RuntimeException e) {
            seen.add("writeGaveUp");
        }

        @Override
        public void writeDeferred(String key, int unwritten, RuntimeException e) {
            seen.add("writeDeferred " + unwritten);
        }

        @Override
        public void unwrittenStored(String key) {
            seen.add("unwrittenStored");
        }
    }

    private final Db db = new Db();
    private final List<Duration> sleeps = new ArrayList<>();
    private final Events events = new Events();

    private OncePerInput<String> replica(String name) {
        return new OncePerInput<>(new Replica(db, name), SETTINGS, events, d -> {
            sleeps.add(d);
            db.clock.addAndGet(d.toNanos());
        }, db.clock::get);
    }

    private void claimedBy(String key, String holder) {
        synchronized (db) {
            db.claimHolder.put(key, holder);
            db.claimExpiry.put(key, db.clock.get() + LEASE.toNanos());
        }
    }

    @Test
    void aMissIsAskedOnceStoredAndTheClaimDropped() {
        OncePerInput<String> a = replica("a");
        AtomicInteger asked = new AtomicInteger();
        var first = a.get("k", () -> "answer " + asked.incrementAndGet());
        assertEquals(new OncePerInput.Asked<>("answer 1", true), first);
        assertEquals("answer 1", db.results.get("k"));
        assertFalse(db.claimHolder.containsKey("k"), "the claim went with the write");
        assertEquals(new OncePerInput.Stored<>("answer 1"), a.get("k", () -> "answer " + asked.incrementAndGet()));
        assertEquals(1, asked.get());
        assertTrue(a.held().isEmpty());
    }

    @Test
    void aClaimHeldElsewhereIsWaitedForWithDoublingPollsAndItsResultReturned() {
        claimedBy("k", "b");
        // The other replica writes its result after 150 ms of (fake) time.
        OncePerInput<String> waiting = new OncePerInput<>(new Replica(db, "a"), SETTINGS, events, d -> {
            sleeps.add(d);
            if (db.clock.addAndGet(d.toNanos()) >= Duration.ofMillis(150).toNanos()) {
                synchronized (db) {
                    db.results.put("k", "b's answer");
                    db.claimHolder.remove("k");
                }
            }
        }, db.clock::get);
        var outcome = waiting.get("k", () -> {
            throw new AssertionError("asked although another replica held the claim");
        });
        assertEquals(new OncePerInput.Stored<>("b's answer"), outcome);
        assertEquals(List.of(10L, 20L, 40L, 80L), sleeps.stream().map(Duration::toMillis).toList(),
                "10 ms doubling, capped at 80 ms; 150 ms reached after the fourth");
    }

    @Test
    void aDeadReplicasClaimIsTakenOverWhenItsLeaseRunsOut() {
        claimedBy("k", "dead");
        AtomicInteger asked = new AtomicInteger();
        var outcome = replica("a").get("k", () -> "answer " + asked.incrementAndGet());
        assertEquals(new OncePerInput.Asked<>("answer 1", true), outcome);
        long waitedNanos = sleeps.stream().mapToLong(Duration::toNanos).sum();
        assertTrue(waitedNanos >= LEASE.toNanos(), "took over only after the lease: waited " + waitedNanos);
        assertTrue(waitedNanos < LEASE.toNanos() + Duration.ofMillis(80).toNanos(),
                "and no later than one poll after it: waited " + waitedNanos);
    }

    @Test
    void aClaimDroppedWithoutAResultIsClaimedAndAskedHere() {
        claimedBy("k", "b");
        OncePerInput<String> a = new OncePerInput<>(new Replica(db, "a"), SETTINGS, events, d -> {
            sleeps.add(d);
            db.clock.addAndGet(d.toNanos());
            new Replica(db, "b").release("k"); // b's provider call failed
        }, db.clock::get);
        assertEquals(new OncePerInput.Asked<>("a's answer", true), a.get("k", () -> "a's answer"));
        assertEquals(1, sleeps.size());
    }

    @Test
    void whenTheJudgeCannotBeAskedTheClaimIsDroppedAndTheErrorPropagates() {
        OncePerInput<String> a = replica("a");
        IllegalStateException down = new IllegalStateException("provider down");
        assertSame(down, assertThrows(IllegalStateException.class, () -> a.get("k", () -> {
            throw down;
        })));
        assertFalse(db.claimHolder.containsKey("k"));
        assertFalse(db.results.containsKey("k"), "nothing stored for an error");
        assertTrue(a.held().isEmpty());
    }

    @Test
    void aFailedWriteIsRetriedWithDoublingBackoff() {
        db.failWrites = 2;
        var outcome = replica("a").get("k", () -> "answer");
        assertEquals(new OncePerInput.Asked<>("answer", true), outcome);
        assertEquals("answer", db.results.get("k"));
        assertEquals(List.of("writeFailed 1", "writeFailed 2"), events.seen);
        assertEquals(List.of(50L, 100L), sleeps.stream().map(Duration::toMillis).toList());
    }

    @Test
    void aWriteThatKeepsFailingIsAnsweredKeptWithItsClaimAndWrittenOnceTheDatabaseTakesIt() {
        db.failWrites = 5; // the 3 attempts of the request, then the first retry round's
        OncePerInput<String> a = replica("a");
        var outcome = a.get("k", () -> "first answer");
        assertEquals(new OncePerInput.Asked<>("first answer", false), outcome);
        assertEquals(List.of("writeFailed 1", "writeFailed 2", "writeDeferred 1"), events.seen);
        assertEquals(Set.of("k"), a.unwritten());
        assertEquals(Set.of("k"), a.held(), "its claim is still renewed: other replicas wait rather than ask again");
        // asked again here meanwhile: the kept answer, the judge not asked
        assertEquals(new OncePerInput.Stored<>("first answer"), a.get("k", () -> {
            throw new AssertionError("asked again although this replica holds the answer");
        }));
        // and another replica waits for the claim instead of asking
        assertEquals(OncePerInput.Claim.HELD_ELSEWHERE, new Replica(db, "b").claim("k"));

        a.writeUnwritten(); // the database still refuses: kept for the next round
        assertEquals(Set.of("k"), a.unwritten());
        a.writeUnwritten();
        a.writeUnwritten(); // back now
        assertTrue(a.unwritten().isEmpty());
        assertTrue(a.held().isEmpty());
        assertEquals("first answer", db.results.get("k"));
        assertFalse(db.claimHolder.containsKey("k"), "the claim went with the write");
        assertEquals("unwrittenStored", events.seen.get(events.seen.size() - 1));
        assertEquals(new OncePerInput.Stored<>("first answer"), replica("b").get("k", () -> "second answer"));
    }

    @Test
    void beyondTheUnwrittenBoundAWriteThatKeepsFailingIsGivenUpAndItsClaimRunsOutForALaterAsk() {
        db.failWrites = 3;
        OncePerInput<String> a = new OncePerInput<>(new Replica(db, "a"), new OncePerInput.Settings(LEASE,
                SETTINGS.maxWait(), SETTINGS.pollInitial(), SETTINGS.pollMax(), 3, SETTINGS.writeBackoff(), 0), events,
                d -> db.clock.addAndGet(d.toNanos()), db.clock::get);
        var outcome = a.get("k", () -> "first answer");
        assertEquals(new OncePerInput.Asked<>("first answer", false), outcome);
        assertEquals(List.of("writeFailed 1", "writeFailed 2", "writeGaveUp"), events.seen);
        assertTrue(a.unwritten().isEmpty());
        assertTrue(db.liveClaim("k"), "the claim stays until its lease runs out");
        assertTrue(a.held().isEmpty(), "but is no longer renewed");
        // Another request, once the lease has run out, asks again: the judgment was not lost.
        AtomicInteger asked = new AtomicInteger();
        assertEquals(new OncePerInput.Asked<>("second answer", true),
                replica("b").get("k", () -> asked.incrementAndGet() == 1 ? "second answer" : "third"));
        assertEquals("second answer", db.results.get("k"));
    }

    @Test
    void aClaimThatOutlastsTheMaximumWaitGivesUp() {
        OncePerInput<String> a = new OncePerInput<>(new Replica(db, "a"), SETTINGS, events, d -> {
            db.clock.addAndGet(d.toNanos());
            claimedBy("k", "b"); // b keeps renewing: a long provider call
        }, db.clock::get);
        claimedBy("k", "b");
        var e = assertThrows(OncePerInput.ClaimWaitTimeoutException.class, () -> a.get("k", () -> "never"));
        assertTrue(e.getMessage().contains("another replica"), e.getMessage());
        assertEquals(SETTINGS.maxWait().toNanos(), db.clock.get(), "waited exactly the maximum wait");
    }

    @Test
    void heldClaimsAreRenewedWhileTheJudgeIsAsked() {
        Replica store = new Replica(db, "a");
        OncePerInput<String> a = new OncePerInput<>(store, SETTINGS, events, d -> { }, db.clock::get);
        a.get("k", () -> {
            db.clock.addAndGet(LEASE.toNanos() - 1);
            a.renewHeld();
            db.clock.addAndGet(LEASE.toNanos() - 1);
            assertTrue(db.liveClaim("k"), "a renewed claim outlives its first lease");
            return "slow answer";
        });
        assertEquals(List.of(List.of("k")), store.renewed);
        a.renewHeld();
        assertEquals(1, store.renewed.size(), "nothing held, nothing renewed");
    }

    /** Two replicas, eight threads each, the same twenty keys at once, real time: each key asked once. */
    @Test
    void twoReplicasAskForEachKeyExactlyOnce() throws Exception {
        Map<String, AtomicInteger> asks = new ConcurrentHashMap<>();
        OncePerInput.Settings real = new OncePerInput.Settings(LEASE, Duration.ofSeconds(20), Duration.ofMillis(1),
                Duration.ofMillis(5), 3, Duration.ofMillis(1));
        List<OncePerInput<String>> replicas = List.of(
                new OncePerInput<>(new Replica(db, "a"), real, events, d -> Thread.sleep(d.toMillis()), System::nanoTime),
                new OncePerInput<>(new Replica(db, "b"), real, events, d -> Thread.sleep(d.toMillis()), System::nanoTime));
        db.clock.set(Long.MIN_VALUE / 2); // claims made on this clock never expire in this test
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            OncePerInput<String> r = replicas.get(t % 2);
            int thread = t;
            for (int k = 0; k < 20; k++) {
                String key = "key-" + ((k + thread) % 20);
                results.add(pool.submit(() -> {
                    go.await();
                    return r.get(key, () -> {
                        asks.computeIfAbsent(key, x -> new AtomicInteger()).incrementAndGet();
                        sleepQuietly(2);
                        return "answer for " + key;
                    }).result();
                }));
            }
        }
        go.countDown();
        for (Future<String> f : results) {
            assertTrue(f.get(30, TimeUnit.SECONDS).startsWith("answer for key-"));
        }
        pool.shutdown();
        assertEquals(20, asks.size());
        asks.forEach((key, n) -> assertEquals(1, n.get(), key + " was asked " + n.get() + " times"));
        assertInstanceOf(OncePerInput.Stored.class, replicas.get(0).get("key-3", () -> "again"));
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
