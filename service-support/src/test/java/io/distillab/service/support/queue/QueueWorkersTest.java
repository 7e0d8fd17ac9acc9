package io.distillab.service.support.queue;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class QueueWorkersTest {

    @Test
    void aHeartbeatMustBeShorterThanTheLease() {
        assertDoesNotThrow(() -> QueueWorkers.requireHeartbeatShorterThanLease("distillab.worker",
                Duration.ofSeconds(5), Duration.ofSeconds(30)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QueueWorkers.requireHeartbeatShorterThanLease("distillab.scheduler", Duration.ofSeconds(60),
                        Duration.ofSeconds(60)));
        assertEquals("distillab.scheduler.heartbeat (PT1M) must be shorter than distillab.scheduler.lease (PT1M)",
                e.getMessage());
    }

    @Test
    void replicaNamesDifferWithinOneProcess() {
        String a = QueueWorkers.replicaName();
        String b = QueueWorkers.replicaName();
        assertTrue(a.matches(".+-[0-9a-f]{8}"), a);
        assertTrue(!a.equals(b), a + " twice");
    }
}
