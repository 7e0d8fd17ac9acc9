package io.distillab.judge.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Group commit for single operations: callers block on {@link #submit}; one thread takes whatever
 * has queued up meanwhile (up to {@code maxGroup}) and runs it as one group, so that 64 judgments
 * finishing together cost one transaction instead of 64. A lone caller waits for no timer: its
 * group of one starts at once.
 */
final class Grouped<I, O> {
    private static final Logger LOG = Logger.getLogger(Grouped.class);

    private record Pending<I, O>(I item, CompletableFuture<O> result) {
    }

    private final BlockingQueue<Pending<I, O>> queue = new LinkedBlockingQueue<>();
    private final Function<List<I>, List<O>> runGroup;
    private final int maxGroup;
    private final Thread worker;

    /** @param runGroup answers a group of items, one output per item, in order */
    Grouped(String name, int maxGroup, Function<List<I>, List<O>> runGroup) {
        this.runGroup = runGroup;
        this.maxGroup = maxGroup;
        this.worker = new Thread(this::loop, name);
        worker.setDaemon(true);
        worker.start();
    }

    O submit(I item) {
        Pending<I, O> pending = new Pending<>(item, new CompletableFuture<>());
        queue.add(pending);
        try {
            return pending.result().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    void stop() {
        worker.interrupt();
    }

    private void loop() {
        List<Pending<I, O>> group = new ArrayList<>(maxGroup);
        while (!Thread.currentThread().isInterrupted()) {
            try {
                group.add(queue.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            queue.drainTo(group, maxGroup - 1);
            try {
                List<O> outputs = runGroup.apply(group.stream().map(Pending::item).toList());
                for (int i = 0; i < group.size(); i++) {
                    group.get(i).result().complete(outputs.get(i));
                }
            } catch (RuntimeException e) {
                LOG.debugf(e, "A group of %d failed", group.size());
                group.forEach(p -> p.result().completeExceptionally(e));
            }
            group.clear();
        }
        queue.forEach(p -> p.result().completeExceptionally(new IllegalStateException("judgment cache stopped")));
    }
}
