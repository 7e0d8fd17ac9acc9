package io.distillab.service.support.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Time is a hand-moved clock: the expected waits are exact nanoseconds, no tolerance needed. */
class TokenBucketTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(123_456_789L);

    @Test
    void aFullBucketAdmitsItsBurstAtOnceThenSaysHowLongToWait() {
        TokenBucket b = new TokenBucket(2.0, 3, now::get);
        assertEquals(0, b.tryTake());
        assertEquals(0, b.tryTake());
        assertEquals(0, b.tryTake());
        // empty: one token comes after 1/2 s
        assertEquals(SECOND / 2, b.tryTake());
        assertEquals(SECOND / 2, b.tryTake(), "a refused request takes nothing");
    }

    @Test
    void tokensComeBackAtTheRateAndNeverAboveTheBurst() {
        TokenBucket b = new TokenBucket(4.0, 2, now::get);
        b.tryTake();
        b.tryTake();
        now.addAndGet(SECOND / 8); // half a token
        assertEquals(SECOND / 8, b.tryTake());
        now.addAndGet(SECOND / 8);
        assertEquals(0, b.tryTake());
        assertTrue(b.tryTake() > 0);
        now.addAndGet(100 * SECOND); // idle for long: only `burst` tokens
        assertEquals(0, b.tryTake());
        assertEquals(0, b.tryTake());
        assertEquals(SECOND / 4, b.tryTake());
    }

    @Test
    void isFullOnlyOnceRefilledCompletely() {
        TokenBucket b = new TokenBucket(1.0, 2, now::get);
        assertTrue(b.isFull());
        b.tryTake();
        assertFalse(b.isFull());
        now.addAndGet(SECOND - 1);
        assertFalse(b.isFull());
        now.addAndGet(1);
        assertTrue(b.isFull());
    }

    @Test
    void refusesSettingsThatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, 1, now::get));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(Double.NaN, 1, now::get));
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(1, 0, now::get));
    }
}
