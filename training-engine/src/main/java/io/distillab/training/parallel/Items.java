package io.distillab.training.parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * Runs independent items 0..n-1 on a few threads, handing them out one at a time (a loss row of
 * a large vocabulary, or a chunk of an optimizer update, is a lot of work). Callers use it only
 * for work whose result does not depend on which thread does which item (per-item outputs,
 * element-wise updates), so the thread count never changes a bit of the result.
 */
public final class Items {
    private Items() {
    }

    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Runs {@code item} for every index on up to {@code threads} threads. */
    public static void run(int threads, int items, IntConsumer item) {
        run(threads, items, () -> item);
    }

    /**
     * As {@link #run(int, int, IntConsumer)}, each thread with its own consumer from
     * {@code perThread} (per-thread scratch buffers need no locking).
     */
    public static void run(int threads, int items, Supplier<IntConsumer> perThread) {
        int workers = Math.max(1, Math.min(threads, items));
        if (workers == 1) {
            IntConsumer task = perThread.get();
            for (int i = 0; i < items; i++) {
                task.accept(i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "distillab-items");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                futures.add(pool.submit(() -> {
                    IntConsumer task = perThread.get();
                    for (int i = next.getAndIncrement(); i < items; i = next.getAndIncrement()) {
                        task.accept(i);
                    }
                }));
            }
            await(futures);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Waits for every future; a task's exception is rethrown as it was thrown. */
    public static void await(List<Future<?>> futures) {
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }
}
