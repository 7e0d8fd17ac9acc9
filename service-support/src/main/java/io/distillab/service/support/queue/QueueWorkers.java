package io.distillab.service.support.queue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** What a replica's pool of {@link QueueWorker}s needs the same way in every service. */
public final class QueueWorkers {
    private QueueWorkers() {
    }

    /** Names this replica in lease_owner: host/pid plus a random part (pids repeat across containers). */
    public static String replicaName() {
        return ManagementFactory.getRuntimeMXBean().getName() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * A heartbeat as long as the lease would let the lease lapse between two beats.
     *
     * @param prefix the settings' prefix ({@code distillab.worker}), named in the refusal
     */
    public static void requireHeartbeatShorterThanLease(String prefix, Duration heartbeat, Duration lease) {
        if (!heartbeat.minus(lease).isNegative()) {
            throw new IllegalArgumentException(prefix + ".heartbeat (" + heartbeat
                    + ") must be shorter than " + prefix + ".lease (" + lease + ")");
        }
    }

    /** Stops each worker gracefully, waiting up to {@code wait} for each; an interrupt is kept for the caller. */
    public static void stopAll(List<? extends QueueWorker> workers, Duration wait) {
        for (QueueWorker w : workers) {
            try {
                w.stop(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
