package io.distillab.judge.cache;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * "The same input is never judged twice", held across replicas that share one database.
 *
 * <p>Before a judge is asked, this replica <em>claims</em> the input's cache key in the database
 * (a unique row: whoever inserts it first holds it). The holder asks the judge and writes the
 * result in the same transaction that drops its claim, so that at every moment a key has a
 * result, a live claim, or neither. A replica that finds a live claim elsewhere waits, polling
 * with a doubling delay, until the result appears (it returns the stored result), the claim
 * disappears without one (the holder could not ask the judge: it claims and asks itself) or the
 * claim's lease runs out (its holder died: {@link Store#claim} takes it over). Holders renew the
 * leases of the claims they hold while they work, so only a dead replica's claims run out.
 *
 * <p>A result whose write fails is written again with a doubling delay, a bounded number of
 * times. If every attempt fails (the database is down for longer) the caller still gets the result,
 * and the result is kept <em>unwritten</em> in this replica: answered from memory to requests here,
 * its claim still renewed (other replicas wait for it rather than ask the judge again), written
 * again every {@link #UNWRITTEN_RETRY} until the database takes it. Only beyond
 * {@link Settings#maxUnwritten} such results, or when the replica stops first, is a result given
 * up: reported to the {@link Listener}, its claim left to run out, so that a later request asks the
 * judge again. A judgment is never silently lost; at worst it is paid twice.
 *
 * <p>Plain Java: the database side is the {@link Store}; {@code JudgmentCache} is the PostgreSQL one.
 *
 * @param <R> a stored judgment
 */
public final class OncePerInput<R> implements AutoCloseable {

    /** What {@link Store#claim} found. */
    public enum Claim {
        /** This replica holds the claim now (a new one, or one whose lease had run out). */
        CLAIMED,
        /** Another replica holds a live claim. */
        HELD_ELSEWHERE,
        /** A result is stored already; no claim was kept. */
        JUDGED
    }

    /** The shared database. Every method is one transaction. */
    public interface Store<R> {
        Optional<R> find(String key);

        /**
         * Claims {@code key} for this replica with a lease of {@link Settings#lease}: a new claim, or
         * one whose lease ran out taken over. Checks for a stored result after claiming (a holder
         * may have written one and dropped its claim since the last look) and keeps no claim then.
         */
        Claim claim(String key);

        /** Stores the result and drops this replica's claim on its key, in one transaction. */
        void storeAndRelease(String key, R result);

        /** Drops this replica's claim without a result (the judge could not be asked). */
        void release(String key);

        /** Extends the leases of these claims of this replica by {@link Settings#lease} from now. */
        void renew(List<String> keys);
    }

    /**
     * @param lease        how long a claim lives unless its holder renews it (a third of it apart)
     * @param maxWait      how long a request waits for a claim held elsewhere before it gives up
     * @param pollInitial  first delay between looks at a claim held elsewhere; doubles up to {@code pollMax}
     * @param writeAttempts attempts to write a result before it is kept unwritten (or given up)
     * @param writeBackoff delay before the second write attempt; doubles after each failure
     * @param maxUnwritten  results kept in memory, unwritten, while the database is down; beyond it a
     *                      result whose write attempts all failed is given up
     */
    public record Settings(Duration lease, Duration maxWait, Duration pollInitial, Duration pollMax,
            int writeAttempts, Duration writeBackoff, int maxUnwritten) {
        /** A judgment's JSON is a few hundred bytes: 10,000 of them are a few MB of heap. */
        public static final int DEFAULT_MAX_UNWRITTEN = 10_000;

        public Settings {
            if (writeAttempts < 1) {
                throw new IllegalArgumentException("writeAttempts must be at least 1, got " + writeAttempts);
            }
            if (lease.isNegative() || lease.isZero()) {
                throw new IllegalArgumentException("lease must be positive, got " + lease);
            }
            if (maxUnwritten < 0) {
                throw new IllegalArgumentException("maxUnwritten must be 0 or more, got " + maxUnwritten);
            }
        }

        public Settings(Duration lease, Duration maxWait, Duration pollInitial, Duration pollMax, int writeAttempts,
                Duration writeBackoff) {
            this(lease, maxWait, pollInitial, pollMax, writeAttempts, writeBackoff, DEFAULT_MAX_UNWRITTEN);
        }
    }

    /** Where a result came from. */
    public sealed interface Outcome<R> {
        R result();
    }

    /** Stored before (by this replica or another). */
    public record Stored<R>(R result) implements Outcome<R> {
    }

    /** Asked by this call; {@code written} is false when every write attempt failed (kept unwritten or given up). */
    public record Asked<R>(R result, boolean written) implements Outcome<R> {
    }

    /** A claim held elsewhere did not end within {@link Settings#maxWait}. */
    public static final class ClaimWaitTimeoutException extends RuntimeException {
        public ClaimWaitTimeoutException(String message) {
            super(message);
        }
    }

    /** Failures worth logging and counting; called on the thread that met them. */
    public interface Listener {
        default void writeFailed(String key, int attempt, RuntimeException e) {
        }

        /** Every attempt failed; the result is kept and written again until the database takes it. */
        default void writeDeferred(String key, int unwritten, RuntimeException e) {
        }

        /** A result kept unwritten is in the database now. */
        default void unwrittenStored(String key) {
        }

        default void writeGaveUp(String key, RuntimeException e) {
        }

        default void releaseFailed(String key, RuntimeException e) {
        }

        default void renewFailed(int claims, RuntimeException e) {
        }

        default void waitedForClaim(String key, Duration waited) {
        }
    }

    /** Sleeps; a test replaces it to make time pass without waiting. */
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /** How often results kept unwritten are written again while the database is down. */
    static final Duration UNWRITTEN_RETRY = Duration.ofSeconds(1);

    private final Store<R> store;
    private final Settings settings;
    private final Listener listener;
    private final Sleeper sleeper;
    private final LongSupplier nanoTime;
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    /** Results whose write attempts all failed, by key, until a retry stores them. */
    private final Map<String, R> unwritten = new ConcurrentHashMap<>();
    private final ScheduledExecutorService renewals;

    /**
     * With real time and a daemon thread renewing held claims every third of the lease and writing
     * unwritten results again every {@link #UNWRITTEN_RETRY}.
     */
    public OncePerInput(Store<R> store, Settings settings, Listener listener) {
        this(store, settings, listener, d -> Thread.sleep(d.toMillis()), System::nanoTime);
        long every = Math.max(1, settings.lease().toMillis() / 3);
        renewals.scheduleWithFixedDelay(this::renewHeld, every, every, TimeUnit.MILLISECONDS);
        renewals.scheduleWithFixedDelay(this::writeUnwritten, UNWRITTEN_RETRY.toMillis(), UNWRITTEN_RETRY.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Without the renewing thread (tests call {@link #renewHeld} themselves). */
    OncePerInput(Store<R> store, Settings settings, Listener listener, Sleeper sleeper, LongSupplier nanoTime) {
        this.store = store;
        this.settings = settings;
        this.listener = listener;
        this.sleeper = sleeper;
        this.nanoTime = nanoTime;
        this.renewals = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "judgment-claim-renewals");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The stored result for {@code key}, or the one {@code ask} gives, asked only while this
     * replica holds the key's claim. When {@code ask} throws, the claim is dropped (another
     * request may try again) and the exception propagates.
     *
     * @throws ClaimWaitTimeoutException when another replica's claim outlasted {@link Settings#maxWait}
     */
    public Outcome<R> get(String key, Supplier<R> ask) {
        R mine = unwritten.get(key);
        if (mine != null) {
            return new Stored<>(mine); // answered here, its write waiting for the database
        }
        long start = nanoTime.getAsLong();
        long deadline = start + settings.maxWait().toNanos();
        Duration delay = settings.pollInitial();
        boolean waited = false;
        while (true) {
            Optional<R> stored = store.find(key);
            if (stored.isEmpty()) {
                Claim claim = store.claim(key);
                if (claim == Claim.CLAIMED) {
                    reportWait(key, waited, start);
                    return askHolding(key, ask);
                }
                // JUDGED: written between our look and our claim; the next look finds it.
                stored = claim == Claim.JUDGED ? store.find(key) : Optional.empty();
            }
            if (stored.isPresent()) {
                reportWait(key, waited, start);
                return new Stored<>(stored.get());
            }
            long left = deadline - nanoTime.getAsLong();
            if (left <= 0) {
                throw new ClaimWaitTimeoutException("another replica has been judging this input for "
                        + Duration.ofNanos(nanoTime.getAsLong() - start).toMillis() + " ms; ask again later");
            }
            sleep(delay.toNanos() < left ? delay : Duration.ofNanos(left));
            waited = true;
            Duration doubled = delay.multipliedBy(2);
            delay = doubled.compareTo(settings.pollMax()) > 0 ? settings.pollMax() : doubled;
        }
    }

    private Outcome<R> askHolding(String key, Supplier<R> ask) {
        held.add(key);
        R result;
        try {
            result = ask.get();
        } catch (RuntimeException e) {
            held.remove(key);
            try {
                store.release(key);
            } catch (RuntimeException releaseFailure) {
                // The claim runs out by itself after its lease.
                listener.releaseFailed(key, releaseFailure);
            }
            throw e;
        }
        Duration backoff = settings.writeBackoff();
        for (int attempt = 1; ; attempt++) {
            try {
                store.storeAndRelease(key, result);
                held.remove(key);
                return new Asked<>(result, true);
            } catch (RuntimeException e) {
                if (attempt == settings.writeAttempts()) {
                    keepUnwritten(key, result, e);
                    return new Asked<>(result, false);
                }
                listener.writeFailed(key, attempt, e);
                sleep(backoff);
                backoff = backoff.multipliedBy(2);
            }
        }
    }

    /**
     * Keeps a result whose every write attempt failed, its claim still held and renewed, for
     * {@link #writeUnwritten}; beyond {@link Settings#maxUnwritten} gives it up instead: no longer
     * renewed, the claim runs out and a later request asks again.
     */
    private void keepUnwritten(String key, R result, RuntimeException e) {
        synchronized (unwritten) {
            if (unwritten.size() < settings.maxUnwritten()) {
                unwritten.put(key, result);
                listener.writeDeferred(key, unwritten.size(), e);
                return;
            }
        }
        held.remove(key);
        listener.writeGaveUp(key, e);
    }

    /**
     * Writes the results kept unwritten, each with its claim's release; stops at the first failure
     * (the database is still away) until the next round.
     */
    void writeUnwritten() {
        for (Map.Entry<String, R> e : List.copyOf(unwritten.entrySet())) {
            try {
                store.storeAndRelease(e.getKey(), e.getValue());
            } catch (RuntimeException stillDown) {
                return;
            }
            unwritten.remove(e.getKey());
            held.remove(e.getKey());
            listener.unwrittenStored(e.getKey());
        }
    }

    /** The keys of results kept unwritten now. */
    Set<String> unwritten() {
        return Set.copyOf(unwritten.keySet());
    }

    /** Extends the leases of every claim this replica holds now. */
    void renewHeld() {
        List<String> keys = List.copyOf(held);
        if (keys.isEmpty()) {
            return;
        }
        try {
            store.renew(keys);
        } catch (RuntimeException e) {
            listener.renewFailed(keys.size(), e);
        }
    }

    /** The keys this replica holds claims on now. */
    Set<String> held() {
        return Set.copyOf(held);
    }

    private void reportWait(String key, boolean waited, long start) {
        if (waited) {
            listener.waitedForClaim(key, Duration.ofNanos(nanoTime.getAsLong() - start));
        }
    }

    private void sleep(Duration d) {
        try {
            sleeper.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClaimWaitTimeoutException("interrupted while waiting");
        }
    }

    /** Stops renewing and retrying; results still unwritten are given up (reported), their claims run out. */
    @Override
    public void close() {
        renewals.shutdownNow();
        for (String key : unwritten()) {
            listener.writeGaveUp(key, new IllegalStateException("the replica stopped before the database took it"));
        }
    }
}
