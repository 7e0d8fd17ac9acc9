package io.distillab.service.support.limits;

import java.util.function.LongSupplier;

/**
 * A token bucket: holds up to {@code burst} tokens, gains {@code perSecond} tokens a second, and
 * every admitted request takes one. A client may thus send {@code burst} requests at once and then
 * {@code perSecond} a second for as long as it likes.
 *
 * <p>Tokens are kept as a fraction (refill happens continuously, not in ticks), computed lazily
 * from the clock when the bucket is asked; no timer runs. The clock is injected (nanoseconds, like
 * {@link System#nanoTime()}) so that tests can move time themselves.
 */
public final class TokenBucket {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final double burst;
    private final double perSecond;
    private final LongSupplier nanoClock;
    private double tokens;
    private long updatedNanos;

    public TokenBucket(double perSecond, int burst, LongSupplier nanoClock) {
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("perSecond must be positive and finite, got " + perSecond);
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be at least 1, got " + burst);
        }
        this.burst = burst;
        this.perSecond = perSecond;
        this.nanoClock = nanoClock;
        this.tokens = burst;
        this.updatedNanos = nanoClock.getAsLong();
    }

    /**
     * Takes one token if there is one.
     *
     * @return 0 when admitted; otherwise how many nanoseconds until a token will be there (the
     *         caller's Retry-After), with nothing taken
     */
    public synchronized long tryTake() {
        refill();
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / perSecond * NANOS_PER_SECOND));
    }

    /**
     * Whether the bucket has been left alone long enough to be full again: it then behaves exactly
     * like a new one, so a map of buckets can drop it without giving its client anything.
     */
    public synchronized boolean isFull() {
        refill();
        return tokens >= burst;
    }

    private void refill() {
        long now = nanoClock.getAsLong();
        long elapsed = now - updatedNanos;
        if (elapsed > 0) {
            tokens = Math.min(burst, tokens + elapsed * perSecond / NANOS_PER_SECOND);
            updatedNanos = now;
        }
    }
}
