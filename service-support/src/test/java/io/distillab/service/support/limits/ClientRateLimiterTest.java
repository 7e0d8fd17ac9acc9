package io.distillab.service.support.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClientRateLimiterTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong();

    @Test
    void eachClientHasItsOwnBucket() {
        ClientRateLimiter l = new ClientRateLimiter(1.0, 2, 100, now::get);
        assertEquals(0, l.admit("a"));
        assertEquals(0, l.admit("a"));
        assertEquals(SECOND, l.admit("a"));
        assertEquals(0, l.admit("b"), "a's use leaves b's bucket full");
        assertEquals(2, l.trackedClients());
    }

    @Test
    void idleClientsAreDroppedWhenTheMapIsFull() {
        ClientRateLimiter l = new ClientRateLimiter(1.0, 1, 3, now::get);
        l.admit("a");
        l.admit("b");
        l.admit("c");
        assertEquals(3, l.trackedClients());
        now.addAndGet(SECOND); // a, b and c full again: the same as new buckets
        assertEquals(0, l.admit("d"));
        assertEquals(1, l.trackedClients(), "the three idle buckets swept, d's added");
    }

    @Test
    void whenEveryTrackedClientIsActiveNewOnesShareTheOverflowBucket() {
        ClientRateLimiter l = new ClientRateLimiter(1.0, 1, 2, now::get);
        l.admit("a");
        l.admit("b");
        // a and b have used their token: they stay, so they cannot come back with a full bucket
        assertEquals(0, l.admit("c"));
        assertTrue(l.admit("d") > 0, "d shares c's overflow bucket");
        assertTrue(l.admit("a") > 0, "a keeps its empty bucket");
        assertEquals(2, l.trackedClients());
    }

    @Test
    void theMapStaysBoundedUnderManyDistinctClients() {
        ClientRateLimiter l = new ClientRateLimiter(10.0, 5, 50, now::get);
        for (int i = 0; i < 10_000; i++) {
            l.admit("client-" + i);
            now.addAndGet(SECOND / 1000);
        }
        assertTrue(l.trackedClients() <= 50, "tracked " + l.trackedClients());
    }
}
