package io.distillab.cli.loss;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * This machine's memory bandwidth as Java sees it: {@code threads} threads each copying its own
 * float array (System.arraycopy), bytes read plus bytes written over the best of several
 * rounds. The arrays are far larger than the caches.
 */
final class MemoryBandwidth {
    private MemoryBandwidth() {
    }

    static double copyBytesPerSecond(int threads, long totalBytes, int rounds) throws Exception {
        int perThread = (int) Math.min(Integer.MAX_VALUE - 8, totalBytes / 8 / threads);
        float[][] src = new float[threads][perThread];
        float[][] dst = new float[threads][perThread];
        for (float[] a : src) {
            Arrays.fill(a, 1.5f);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            double best = Double.MAX_VALUE;
            for (int r = 0; r < rounds; r++) {
                long start = System.nanoTime();
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int i = t;
                    futures.add(pool.submit(() -> System.arraycopy(src[i], 0, dst[i], 0, perThread)));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
                best = Math.min(best, (System.nanoTime() - start) * 1e-9);
            }
            return 2.0 * 4 * perThread * threads / best;
        } finally {
            pool.shutdownNow();
        }
    }
}
