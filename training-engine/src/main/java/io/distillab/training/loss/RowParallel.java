package io.distillab.training.loss;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs a task for every row on a few threads. Rows are handed out one at a time (a row of a
 * large vocabulary is a lot of work), and each thread gets its own task object from the supplier,
 * so per-thread scratch buffers need no locking. Results written per row are deterministic
 * whatever the thread count.
 */
final class RowParallel {
    interface RowTask {
        void run(int row);
    }

    private RowParallel() {
    }

    static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    static void run(int threads, int rows, Supplier<RowTask> perThread) {
        int workers = Math.max(1, Math.min(threads, rows));
        if (workers == 1) {
            RowTask task = perThread.get();
            for (int r = 0; r < rows; r++) {
                task.run(r);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(workers, runnable -> {
            Thread t = new Thread(runnable, "distillab-rows");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                futures.add(pool.submit(() -> {
                    RowTask task = perThread.get();
                    for (int r = next.getAndIncrement(); r < rows; r = next.getAndIncrement()) {
                        task.run(r);
                    }
                }));
            }
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
        } finally {
            pool.shutdownNow();
        }
    }
}
