package io.distillab.training.model;

import io.distillab.training.parallel.Items;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Future;

/**
 * The model's threads for everything that is not a matrix product. A range of rows is cut into
 * as many contiguous pieces as there are threads; each element is computed by one thread in a
 * fixed order, so results do not depend on timing. Sums over rows (bias and norm gradients) are
 * cut by columns instead, so they do not depend on the thread count either.
 */
final class Workers {
    interface Range {
        void run(int from, int to);
    }

    private final int threads;
    private final ExecutorService pool;

    Workers(int threads) {
        this.threads = Math.max(1, threads);
        if (this.threads == 1) {
            this.pool = null;
        } else {
            // Idle threads end after a while, so a model that is dropped leaves no threads behind.
            ThreadPoolExecutor executor = new ThreadPoolExecutor(this.threads - 1, this.threads - 1, 30, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "distillab-model");
                        t.setDaemon(true);
                        return t;
                    });
            executor.allowCoreThreadTimeOut(true);
            this.pool = executor;
        }
    }

    int threads() {
        return threads;
    }

    /** Runs {@code body} over [0, n) in contiguous pieces, the caller's thread taking the first. */
    void forRange(int n, Range body) {
        int pieces = Math.min(threads, n);
        if (pieces <= 1) {
            if (n > 0) {
                body.run(0, n);
            }
            return;
        }
        List<Future<?>> futures = new ArrayList<>(pieces - 1);
        for (int p = 1; p < pieces; p++) {
            int from = (int) ((long) n * p / pieces);
            int to = (int) ((long) n * (p + 1) / pieces);
            futures.add(pool.submit(() -> body.run(from, to)));
        }
        body.run(0, (int) ((long) n / pieces));
        Items.await(futures);
    }
}
