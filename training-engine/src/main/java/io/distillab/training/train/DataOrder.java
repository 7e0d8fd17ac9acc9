package io.distillab.training.train;

import java.util.Locale;

/** The two data orders of {@code distillab train --order}. */
public final class DataOrder {
    private DataOrder() {
    }

    /** {@code file}: step s (from 1) takes rows (s-1)*B .. s*B-1 of the file, wrapping at the end. */
    public static BatchOrder inFileOrder(int rows, int batchSize) {
        check(rows, batchSize);
        return step -> {
            int[] out = new int[batchSize];
            long first = (step - 1) * batchSize;
            for (int j = 0; j < batchSize; j++) {
                out[j] = (int) ((first + j) % rows);
            }
            return out;
        };
    }

    /**
     * {@code shuffle}: the rows are read epoch by epoch, each epoch in its own permutation
     * (Fisher-Yates driven by {@link SplitMix64} seeded with {@code mix(seed) + epoch * gamma});
     * step s takes the entries (s-1)*B .. s*B-1 of that endless sequence, so a batch may run
     * across an epoch's end. The permutation of epoch e is a pure function of (seed, e).
     */
    public static BatchOrder shuffled(int rows, int batchSize, long seed) {
        check(rows, batchSize);
        return new BatchOrder() {
            private long cachedEpoch = -1;
            private int[] cached;

            @Override
            public synchronized int[] rows(long step) {
                int[] out = new int[batchSize];
                long first = (step - 1) * batchSize;
                for (int j = 0; j < batchSize; j++) {
                    long index = first + j;
                    long epoch = index / rows;
                    if (epoch != cachedEpoch) {
                        cached = permutation(rows, seed, epoch);
                        cachedEpoch = epoch;
                    }
                    out[j] = cached[(int) (index % rows)];
                }
                return out;
            }
        };
    }

    /** The permutation of epoch {@code epoch} (from 0) of {@code rows} rows. */
    static int[] permutation(int rows, long seed, long epoch) {
        SplitMix64 random = new SplitMix64(SplitMix64.mix(seed) + epoch * 0x9E3779B97F4A7C15L);
        int[] p = new int[rows];
        for (int i = 0; i < rows; i++) {
            p[i] = i;
        }
        for (int i = rows - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Parses {@code file} or {@code shuffle}. */
    public static boolean isShuffle(String order) {
        return switch (order.trim().toLowerCase(Locale.ROOT)) {
            case "shuffle" -> true;
            case "file" -> false;
            default -> throw new IllegalArgumentException("unknown order '" + order + "' (expected file or shuffle)");
        };
    }

    private static void check(int rows, int batchSize) {
        if (rows < 1 || batchSize < 1) {
            throw new IllegalArgumentException("rows and batch size must be >= 1, got " + rows + " and " + batchSize);
        }
    }
}
