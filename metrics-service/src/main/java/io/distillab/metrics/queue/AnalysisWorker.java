package io.distillab.metrics.queue;

import io.distillab.service.support.errors.ErrorReference;
import io.distillab.service.support.queue.QueueWorker;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * One worker thread: claims an analysis from the queue, runs it while a heartbeat keeps its lease,
 * stores the outcome, and polls again. Any number of workers, in one replica or many, share one
 * queue.
 */
public final class AnalysisWorker extends QueueWorker {
    private static final Logger LOG = Logger.getLogger(AnalysisWorker.class);
    /** Progress is written at most this often; it also renews the lease. */
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final AnalysisQueue queue;
    private final AnalysisRunner runner;
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger discarded = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private volatile Job current;

    public AnalysisWorker(String owner, AnalysisQueue queue, AnalysisRunner runner, Duration heartbeat, Duration poll) {
        super(owner, heartbeat, poll, LOG);
        this.queue = queue;
        this.runner = runner;
    }

    /**
     * Stops gracefully: claims nothing more, and hands a running analysis back to the queue so that
     * another worker starts it at once (a replica shutting down).
     */
    @Override
    public void stop(Duration wait) throws InterruptedException {
        stopping.set(true);
        Job job = current;
        Thread t = thread();
        if (t != null) {
            t.interrupt();
            wake();
            t.join(wait.toMillis());
        }
        stopHeartbeats();
        if (job != null) {
            try {
                queue.release(job.id(), owner());
            } catch (Exception e) {
                LOG.warnf("Could not hand analysis %d back to the queue (it is taken over when its lease expires): %s",
                        job.id(), e.getMessage());
            }
        }
    }

    /**
     * Stops as a killed replica would: no more heartbeats, claims or progress, nothing handed back.
     * An analysis it was running is taken over by another worker when the lease expires. (A
     * computation already on the CPU cannot be stopped from outside; should it still finish, its
     * completion is refused because the lease is gone.)
     */
    public void kill() {
        killed.set(true);
        stopping.set(true);
        stopHeartbeats();
        Thread t = thread();
        if (t != null) {
            t.interrupt();
        }
    }

    /** Analyses this worker completed. */
    public int completed() {
        return completed.get();
    }

    /** Results this worker computed but was refused to store (it had lost the lease). */
    public int discarded() {
        return discarded.get();
    }

    public int failed() {
        return failed.get();
    }

    @Override
    protected boolean runNext() throws Exception {
        Optional<Job> job = queue.claim(owner());
        job.ifPresent(this::process);
        return job.isPresent();
    }

    private void process(Job job) {
        current = job;
        AtomicBoolean leaseLost = new AtomicBoolean();
        ScheduledFuture<?> beat = everyHeartbeat(() -> {
            try {
                if (!queue.heartbeat(job.id(), owner())) {
                    leaseLost.set(true);
                }
            } catch (Exception e) {
                LOG.warnf("Heartbeat of analysis %d failed: %s", job.id(), e.getMessage());
            }
        });
        long t0 = System.nanoTime();
        LOG.infof("Worker %s runs analysis %d (attempt %d)", owner(), job.id(), job.attempt());
        try {
            AnalysisRunner.Outcome outcome = runner.run(job, new FencedProgress(job, leaseLost));
            if (!leaseLost.get() && queue.complete(job.id(), owner(), outcome.resultJson(), outcome.reportHtml())) {
                completed.incrementAndGet();
                LOG.infof("Analysis %d done in %.2f s", job.id(), (System.nanoTime() - t0) / 1e9);
            } else {
                discarded.incrementAndGet();
                LOG.warnf("Analysis %d: result discarded, worker %s no longer holds it", job.id(), owner());
            }
        } catch (LeaseLostException e) {
            discarded.incrementAndGet();
            LOG.warnf("Analysis %d: stopped, worker %s no longer holds it", job.id(), owner());
        } catch (Exception | OutOfMemoryError | StackOverflowError e) {
            if (stopping.get()) {
                return; // stop() hands it back, kill() leaves it to the lease
            }
            Failure failure = Failure.of(e, job.id());
            try {
                if (queue.fail(job.id(), owner(), failure.code(), failure.message())) {
                    failed.incrementAndGet();
                }
            } catch (Exception ex) {
                LOG.warnf("Could not record the failure of analysis %d: %s", job.id(), ex.getMessage());
            }
        } finally {
            beat.cancel(false);
            current = null;
        }
    }

    /**
     * What users read of a failed analysis: a stable code and a message. An expected failure
     * ({@link AnalysisFailedException}) says what was wrong; anything else is a bug or an outage,
     * logged with its stack trace under a reference that the message gives instead of the exception.
     */
    record Failure(String code, String message) {
        static final String INTERNAL = "internal";

        static Failure of(Throwable e, long analysisId) {
            if (e instanceof AnalysisFailedException f) {
                return new Failure(f.code(), f.getMessage());
            }
            String reference = ErrorReference.next();
            LOG.errorf(e, "Analysis %d failed: internal error, reference %s", analysisId, reference);
            return new Failure(INTERNAL, ErrorReference.message(reference));
        }
    }

    /** Writes progress at most every 250 ms; finding the lease gone there aborts the computation. */
    private final class FencedProgress implements Progress {
        private final Job job;
        private final AtomicBoolean leaseLost;
        private final AtomicLong lastWrite = new AtomicLong(System.nanoTime() - PROGRESS_INTERVAL_NANOS);
        private volatile String phase = "starting";
        private volatile int total;

        FencedProgress(Job job, AtomicBoolean leaseLost) {
            this.job = job;
            this.leaseLost = leaseLost;
        }

        @Override
        public void phase(String name, int total) {
            this.phase = name;
            this.total = total;
            write(0, true);
        }

        @Override
        public void advance(int done) {
            write(done, done >= total);
        }

        private void write(int done, boolean force) {
            if (killed.get()) {
                return; // a killed replica writes nothing more
            }
            if (leaseLost.get()) {
                throw new LeaseLostException(job.id());
            }
            long now = System.nanoTime();
            long last = lastWrite.get();
            if (!force && now - last < PROGRESS_INTERVAL_NANOS || !lastWrite.compareAndSet(last, now)) {
                return;
            }
            try {
                if (!queue.progress(job.id(), owner(), phase, done, total)) {
                    leaseLost.set(true);
                    throw new LeaseLostException(job.id());
                }
            } catch (java.sql.SQLException e) {
                LOG.debugf("Progress of analysis %d not recorded: %s", job.id(), e.getMessage());
            }
        }
    }
}
