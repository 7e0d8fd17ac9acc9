package io.distillab.service.support.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/** The poll loop alone; the services' queue tests run it against PostgreSQL. */
class QueueWorkerTest {
    /** Generous: these wait for a thread to get round, they do not time it. */
    private static final long WAIT_SECONDS = 30;

    /** Claims as scripted: a claim that throws (the database restarting), then an empty queue. */
    private static final class ScriptedWorker extends QueueWorker {
        final BlockingQueue<Integer> claims = new LinkedBlockingQueue<>();
        private final AtomicInteger next = new AtomicInteger();
        private final int failingClaims;

        ScriptedWorker(Duration poll, int failingClaims) {
            super("test-worker", Duration.ofHours(1), poll, Logger.getLogger(QueueWorkerTest.class));
            this.failingClaims = failingClaims;
        }

        @Override
        protected boolean runNext() {
            int claim = next.getAndIncrement();
            claims.add(claim);
            if (claim < failingClaims) {
                throw new IllegalStateException("connection refused");
            }
            return false;
        }

        @Override
        public void stop(Duration wait) throws InterruptedException {
            stopping.set(true);
            thread().interrupt(); // a wake could come before the thread waits, and be lost
            thread().join(wait.toMillis());
            stopHeartbeats();
        }
    }

    @Test
    void aFailingClaimIsRetriedAtThePollPace() throws InterruptedException {
        ScriptedWorker w = new ScriptedWorker(Duration.ofMillis(10), 2);
        w.start();
        for (int i = 0; i < 3; i++) {
            assertEquals(i, w.claims.poll(WAIT_SECONDS, TimeUnit.SECONDS), "claim " + i);
        }
        assertTrue(w.alive(), "the worker outlives failing claims");
        w.stop(Duration.ofSeconds(WAIT_SECONDS));
        assertFalse(w.alive());
    }

    @Test
    void wakeMakesAnIdleWorkerClaimBeforeItsNextPoll() throws InterruptedException {
        ScriptedWorker w = new ScriptedWorker(Duration.ofHours(1), 0);
        w.start();
        assertNotNull(w.claims.poll(WAIT_SECONDS, TimeUnit.SECONDS), "the first claim");
        // the worker now waits an hour for its next poll, unless woken; wake until it claims (a wake
        // that comes before the worker waits is lost, by design: it claims right after anyway)
        Integer second = null;
        for (int i = 0; i < WAIT_SECONDS * 10 && second == null; i++) {
            w.wake();
            second = w.claims.poll(100, TimeUnit.MILLISECONDS);
        }
        assertEquals(1, second);
        w.stop(Duration.ofSeconds(WAIT_SECONDS));
        assertFalse(w.alive());
    }

    @Test
    void aWorkerStartsOnce() throws InterruptedException {
        ScriptedWorker w = new ScriptedWorker(Duration.ofHours(1), 0);
        w.start();
        IllegalStateException e = assertThrows(IllegalStateException.class, w::start);
        assertEquals("test-worker started already", e.getMessage());
        w.stop(Duration.ofSeconds(WAIT_SECONDS));
    }
}
