package io.distillab.training.data;

import io.distillab.training.train.BatchOrder;
import java.util.SplittableRandom;

/**
 * SPEC 7 without a curriculum: each epoch visits the rows in a new random permutation. Step s
 * (from 1) takes the batch-size rows at global draws (s-1)*B .. s*B-1; draw g is row
 * {@code perm(g / rows)[g % rows]}, and {@code perm(e)} is a Fisher-Yates shuffle seeded by the
 * seed and the epoch only, so any step's rows follow from (seed, step).
 */
public final class ShuffledOrder implements BatchOrder {
    private final int rows;
    private final int batchSize;
    private final long seed;
    private long cachedEpoch = -1;
    private int[] cachedPerm;

    public ShuffledOrder(int rows, int batchSize, long seed) {
        if (rows < 1 || batchSize < 1) {
            throw new IllegalArgumentException("rows " + rows + " and batch size " + batchSize + " must be positive");
        }
        this.rows = rows;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    @Override
    public synchronized int[] rows(long step) {
        if (step < 1) {
            throw new IllegalArgumentException("steps count from 1, got " + step);
        }
        int[] out = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            long g = (step - 1) * batchSize + i;
            out[i] = permutation(g / rows)[(int) (g % rows)];
        }
        return out;
    }

    private int[] permutation(long epoch) {
        if (epoch != cachedEpoch) {
            int[] p = new int[rows];
            for (int i = 0; i < rows; i++) {
                p[i] = i;
            }
            SplittableRandom r = new SplittableRandom(Seeds.mix(seed, epoch));
            for (int i = rows - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
            cachedPerm = p;
            cachedEpoch = epoch;
        }
        return cachedPerm;
    }
}
