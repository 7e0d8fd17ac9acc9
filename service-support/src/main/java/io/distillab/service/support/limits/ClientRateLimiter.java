package io.distillab.service.support.limits;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * One {@link TokenBucket} per client (an authenticated principal, or a remote address).
 *
 * <p>Memory stays bounded: a bucket that has refilled completely is indistinguishable from a new
 * one, so idle clients' buckets are swept out when the map reaches {@code maxClients} (and every
 * {@value #SWEEP_EVERY} admissions). When every one of {@code maxClients} clients is active at
 * once, further new clients share one overflow bucket instead of evicting an active client's
 * bucket (which would hand that client a fresh, full burst).
 */
public final class ClientRateLimiter {
    static final int SWEEP_EVERY = 4096;
    static final String OVERFLOW = "(overflow)";

    private final double perSecond;
    private final int burst;
    private final int maxClients;
    private final LongSupplier nanoClock;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final TokenBucket overflow;
    private long admissions;

    public ClientRateLimiter(double perSecond, int burst, int maxClients, LongSupplier nanoClock) {
        if (maxClients < 1) {
            throw new IllegalArgumentException("maxClients must be at least 1, got " + maxClients);
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.maxClients = maxClients;
        this.nanoClock = nanoClock;
        this.overflow = new TokenBucket(perSecond, burst, nanoClock);
    }

    /**
     * @return 0 when the client's request is admitted, else nanoseconds until it would be
     */
    public long admit(String client) {
        maybeSweep();
        TokenBucket bucket = buckets.get(client);
        if (bucket == null) {
            if (buckets.size() >= maxClients) {
                sweep();
            }
            bucket = buckets.size() >= maxClients ? overflow
                    : buckets.computeIfAbsent(client, c -> new TokenBucket(perSecond, burst, nanoClock));
        }
        return bucket.tryTake();
    }

    /** Clients currently holding a bucket of their own. */
    public int trackedClients() {
        return buckets.size();
    }

    private void maybeSweep() {
        boolean due;
        synchronized (this) {
            due = ++admissions % SWEEP_EVERY == 0;
        }
        if (due) {
            sweep();
        }
    }

    private void sweep() {
        for (Iterator<TokenBucket> it = buckets.values().iterator(); it.hasNext(); ) {
            if (it.next().isFull()) {
                it.remove();
            }
        }
    }
}
