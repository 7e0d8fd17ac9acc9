package io.distillab.metrics.queue;

import io.agroal.api.AgroalDataSource;
import io.distillab.service.support.queue.QueueWorkers;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** This replica's analysis workers, started with the application and stopped gracefully with it. */
@ApplicationScoped
public class WorkerPool {
    private static final Logger LOG = Logger.getLogger(WorkerPool.class);

    private final AnalysisQueue queue;
    private final AnalysisRunner runner;
    private final boolean enabled;
    private final int threads;
    private final Duration heartbeat;
    private final Duration poll;
    /** Names this replica in lease_owner. */
    private final String replica;
    private final List<AnalysisWorker> workers = new ArrayList<>();
    private int generation;

    WorkerPool(AgroalDataSource dataSource, AnalysisRunner runner,
               @ConfigProperty(name = "distillab.worker.enabled", defaultValue = "true") boolean enabled,
               @ConfigProperty(name = "distillab.worker.threads", defaultValue = "1") int threads,
               @ConfigProperty(name = "distillab.worker.lease", defaultValue = "30s") Duration lease,
               @ConfigProperty(name = "distillab.worker.heartbeat", defaultValue = "5s") Duration heartbeat,
               @ConfigProperty(name = "distillab.worker.poll", defaultValue = "1s") Duration poll,
               @ConfigProperty(name = "distillab.worker.max-attempts", defaultValue = "3") int maxAttempts) {
        QueueWorkers.requireHeartbeatShorterThanLease("distillab.worker", heartbeat, lease);
        this.queue = new AnalysisQueue(dataSource, lease, maxAttempts);
        this.runner = runner;
        this.enabled = enabled;
        this.threads = threads;
        this.heartbeat = heartbeat;
        this.poll = poll;
        this.replica = QueueWorkers.replicaName();
    }

    void onStart(@Observes StartupEvent event) {
        if (enabled) {
            start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    public AnalysisQueue queue() {
        return queue;
    }

    /** A worker outside the pool on the same queue (another "replica"; the queue tests use it). */
    public AnalysisWorker newWorker(String owner, AnalysisRunner withRunner) {
        return new AnalysisWorker(owner, queue, withRunner, heartbeat, poll);
    }

    public AnalysisRunner runner() {
        return runner;
    }

    public synchronized void start() {
        if (!workers.isEmpty()) {
            return;
        }
        generation++;
        for (int i = 0; i < threads; i++) {
            AnalysisWorker w = newWorker(replica + "-g" + generation + "-w" + i, runner);
            workers.add(w);
            w.start();
        }
        LOG.infof("Started %d analysis worker(s) as %s", threads, replica);
    }

    /** Stops the workers gracefully, handing running analyses back to the queue. */
    public synchronized void stop() {
        QueueWorkers.stopAll(workers, Duration.ofSeconds(5));
        workers.clear();
    }

    /** Wakes idle workers: an analysis was just queued. */
    public synchronized void wake() {
        workers.forEach(AnalysisWorker::wake);
    }

    public synchronized int running() {
        return (int) workers.stream().filter(AnalysisWorker::alive).count();
    }

    public synchronized int size() {
        return workers.size();
    }

    public boolean enabled() {
        return enabled;
    }
}
