package io.distillab.trainer.queue;

import io.distillab.service.support.queue.QueueWorker;
import io.distillab.trainer.job.StepRecord;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * One worker per slot (a GPU, a CPU slot, a Kubernetes slot): claims a job its slot can run, runs
 * it while a heartbeat keeps its lease, records each step, and polls again. Any number of workers,
 * in one replica or many, share one queue.
 */
public final class JobWorker extends QueueWorker {
    private static final Logger LOG = Logger.getLogger(JobWorker.class);

    private final Slot slot;
    private final JobQueue queue;
    private final JobRunner runner;
    private final AtomicInteger finished = new AtomicInteger();
    private final AtomicInteger discarded = new AtomicInteger();
    private final RunRates rates = new RunRates();
    private volatile ClaimedJob current;

    public JobWorker(String owner, Slot slot, JobQueue queue, JobRunner runner, Duration heartbeat, Duration poll) {
        super(owner, heartbeat, poll, LOG);
        this.slot = slot;
        this.queue = queue;
        this.runner = runner;
    }

    public Slot slot() {
        return slot;
    }

    /** Steps/s and tokens/s of the job this worker runs now (0 when idle). */
    public RunRates rates() {
        return rates;
    }

    /**
     * Stops gracefully: claims nothing more, stops a running training at its next step and hands the
     * job back to the queue, so another worker resumes it from its last checkpoint at once.
     */
    @Override
    public void stop(Duration wait) throws InterruptedException {
        stopping.set(true);
        wake();
        Thread t = thread();
        if (t != null) {
            t.join(wait.toMillis());
            if (t.isAlive()) {
                t.interrupt();
                t.join(wait.toMillis());
            }
        }
        stopHeartbeats();
    }

    /**
     * Stops as a killed replica would: no more heartbeats, claims or writes, nothing handed back. The
     * job it was running is taken over by another worker when the lease expires.
     */
    public void kill() {
        killed.set(true);
        stopping.set(true);
        stopHeartbeats();
        wake();
    }

    /** Jobs this worker brought to an end (succeeded, failed or cancelled). */
    public int finished() {
        return finished.get();
    }

    /** Runs whose end this worker was refused to record (it had lost the lease). */
    public int discarded() {
        return discarded.get();
    }

    @Override
    protected boolean runNext() throws Exception {
        Optional<ClaimedJob> job = queue.claim(owner(), slot.devices());
        job.ifPresent(this::process);
        return job.isPresent();
    }

    private void process(ClaimedJob job) {
        current = job;
        AtomicBoolean leaseLost = new AtomicBoolean();
        AtomicBoolean cancelRequested = new AtomicBoolean();
        ScheduledFuture<?> beat = everyHeartbeat(() -> {
            try {
                switch (queue.heartbeat(job.id(), owner())) {
                    case LOST -> leaseLost.set(true);
                    case CANCEL_REQUESTED -> cancelRequested.set(true);
                    case HELD -> { }
                }
            } catch (Exception e) {
                LOG.warnf("Heartbeat of job %d failed: %s", job.id(), e.getMessage());
            }
        });
        LOG.infof("Worker %s runs job %d on %s (attempt %d%s)", owner(), job.id(), slot, job.attempt(),
                job.checkpointStep() > 0 ? ", from the checkpoint of step " + job.checkpointStep() : "");
        rates.start();
        try {
            JobRunner.Outcome outcome = runner.run(job, slot, new FencedListener(job, leaseLost),
                    () -> stopping.get() || leaseLost.get() || cancelRequested.get());
            if (killed.get()) {
                return; // a killed replica records nothing
            }
            if (leaseLost.get()) {
                discarded.incrementAndGet();
                LOG.warnf("Job %d: stopped, worker %s no longer holds it", job.id(), owner());
            } else if (outcome.cancelled() && stopping.get() && !cancelRequested.get()) {
                queue.release(job.id(), owner());
            } else if (outcome.cancelled()) {
                end(job, "cancelled", null, null, "cancelled by request");
            } else {
                end(job, "succeeded", outcome.finalLoss(), null, "trained to the last step");
            }
        } catch (LeaseLostException e) {
            discarded.incrementAndGet();
            LOG.warnf("Job %d: stopped, worker %s no longer holds it", job.id(), owner());
        } catch (Exception | OutOfMemoryError | StackOverflowError e) {
            if (killed.get()) {
                return;
            }
            if (stopping.get() && !(e instanceof TrainingFailedException)) {
                release(job);
                return;
            }
            String reason = e instanceof TrainingFailedException ? e.getMessage() : "internal error: " + e;
            if (!(e instanceof TrainingFailedException)) {
                LOG.errorf(e, "Job %d failed", job.id());
            }
            end(job, "failed", null, reason, "failed");
        } finally {
            beat.cancel(false);
            rates.stop();
            current = null;
        }
    }

    private void end(ClaimedJob job, String status, Double finalLoss, String error, String reason) {
        try {
            if (queue.finish(job.id(), owner(), status, finalLoss, error, reason)) {
                finished.incrementAndGet();
                LOG.infof("Job %d %s%s", job.id(), status, finalLoss == null ? "" : ", final loss " + finalLoss);
            } else {
                discarded.incrementAndGet();
            }
        } catch (Exception e) {
            LOG.warnf("Could not record the end of job %d (%s): %s", job.id(), status, e.getMessage());
        }
    }

    private void release(ClaimedJob job) {
        try {
            queue.release(job.id(), owner());
        } catch (Exception e) {
            LOG.warnf("Could not hand job %d back to the queue (it is resumed when its lease expires): %s",
                    job.id(), e.getMessage());
        }
    }

    /** Writes steps and checkpoints only while the lease is ours; finding it gone stops the run. */
    private final class FencedListener implements JobRunner.Listener {
        private final ClaimedJob job;
        private final AtomicBoolean leaseLost;

        FencedListener(ClaimedJob job, AtomicBoolean leaseLost) {
            this.job = job;
            this.leaseLost = leaseLost;
        }

        @Override
        public void placement(String where) {
            write(() -> queue.placement(job.id(), owner(), where));
        }

        @Override
        public void step(StepRecord step) {
            rates.step(step);
            write(() -> queue.step(job.id(), owner(), step));
        }

        @Override
        public void checkpoint(long step) {
            write(() -> queue.checkpoint(job.id(), owner(), step));
        }

        private void write(SqlWrite w) {
            if (killed.get()) {
                return; // a killed replica writes nothing more
            }
            if (leaseLost.get()) {
                throw new LeaseLostException(job.id());
            }
            try {
                if (!w.run()) {
                    leaseLost.set(true);
                    throw new LeaseLostException(job.id());
                }
            } catch (java.sql.SQLException e) {
                LOG.warnf("Job %d: a write was lost: %s", job.id(), e.getMessage());
            }
        }
    }

    private interface SqlWrite {
        boolean run() throws java.sql.SQLException;
    }
}
