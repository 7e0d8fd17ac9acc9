package io.distillab.service.support.queue;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The thread of one worker on a PostgreSQL work queue with leases: it claims an item, runs it while
 * a heartbeat keeps the lease, and polls again; when the queue is empty it waits for the poll
 * interval or a {@link #wake()}. A failing claim (the database restarting) is logged and retried at
 * the poll pace. What an item is, how it runs and how the worker stops (hand the item back at once,
 * or let it stop at its next step) are the subclass's: they differ between the services on purpose.
 */
public abstract class QueueWorker {
    private final Logger log;
    private final String owner;
    private final Duration heartbeat;
    private final Duration poll;
    private final ScheduledExecutorService heartbeats;
    private final Object wakeUp = new Object();
    /** Set by a stop or a kill: claim nothing more. */
    protected final AtomicBoolean stopping = new AtomicBoolean();
    /** Set by a kill only: write nothing more, as a killed replica would. */
    protected final AtomicBoolean killed = new AtomicBoolean();
    private volatile Thread thread;

    /** {@code owner} names the thread and the leases it takes; {@code log} is the subclass's logger. */
    protected QueueWorker(String owner, Duration heartbeat, Duration poll, Logger log) {
        this.log = log;
        this.owner = owner;
        this.heartbeat = heartbeat;
        this.poll = poll;
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, owner + "-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Claims one item and runs it to its end (or until the worker stops).
     *
     * @return whether there was an item; false makes the worker wait for the next poll
     */
    protected abstract boolean runNext() throws Exception;

    /**
     * Stops gracefully: claims nothing more and hands what it runs back to the queue (at once, or at
     * the item's next step), waiting up to {@code wait} for the thread.
     */
    public abstract void stop(Duration wait) throws InterruptedException;

    public String owner() {
        return owner;
    }

    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException(owner + " started already");
        }
        thread = new Thread(this::loop, owner);
        thread.setDaemon(true);
        thread.start();
    }

    /** Tells an idle worker to look at the queue now rather than at its next poll. */
    public void wake() {
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    public boolean alive() {
        Thread t = thread;
        return t != null && t.isAlive();
    }

    /** The worker's thread, null before {@link #start()}. */
    protected Thread thread() {
        return thread;
    }

    /** Runs {@code beat} every heartbeat interval, the first one interval from now, until cancelled. */
    protected ScheduledFuture<?> everyHeartbeat(Runnable beat) {
        return heartbeats.scheduleAtFixedRate(beat, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** No more heartbeats: the leases held lapse unless handed back. */
    protected void stopHeartbeats() {
        heartbeats.shutdownNow();
    }

    private void loop() {
        while (!stopping.get()) {
            try {
                if (!runNext()) {
                    synchronized (wakeUp) {
                        wakeUp.wait(poll.toMillis());
                    }
                }
            } catch (InterruptedException e) {
                if (stopping.get()) {
                    return;
                }
            } catch (Exception e) {
                if (stopping.get()) {
                    return;
                }
                // the database may be restarting: keep polling, at the poll pace
                log.warnf("Worker %s: %s", owner, e.toString());
                try {
                    Thread.sleep(poll.toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }
}
