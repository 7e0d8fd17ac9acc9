package io.distillab.training.data;

import io.distillab.training.train.BatchOrder;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;

/**
 * SPEC 7's competence-based curriculum. Rows are sorted by complexity, (tool calls, then tokens)
 * of the hardest sequence packed in the row (ties by row index). The batch of step s (counted from
 * 1 by {@link BatchOrder}; the competence uses s-1, so the first step draws from exactly c0) is
 * drawn uniformly, with replacement, from the easiest {@code ceil(c * rows)} rows, where
 * {@code c = min(1, c0 + (1 - c0) * (s-1) / S_c)}; the draws are seeded by (seed, step) only.
 */
public final class CurriculumOrder implements BatchOrder {
    /** SPEC's default starting competence c0. */
    public static final double DEFAULT_START = 0.2;

    private final Integer[] easiestFirst;
    private final int batchSize;
    private final long seed;
    private final double start;
    private final long steps;

    /**
     * @param complexity      [rows * 2]: per row (tool calls, tokens), as {@link PackedRows#complexity()}
     * @param start           c0, in (0, 1]
     * @param curriculumSteps S_c, the step at which every row is drawable (SPEC default: half the steps)
     */
    public CurriculumOrder(long[] complexity, int batchSize, long seed, double start, long curriculumSteps) {
        if (!(start > 0 && start <= 1)) {
            throw new IllegalArgumentException("--curriculum-start " + start + ": must be in (0, 1]");
        }
        if (curriculumSteps < 1) {
            throw new IllegalArgumentException("--curriculum-steps " + curriculumSteps + ": must be at least 1");
        }
        int rows = complexity.length / 2;
        if (rows < 1 || batchSize < 1) {
            throw new IllegalArgumentException("rows " + rows + " and batch size " + batchSize + " must be positive");
        }
        easiestFirst = new Integer[rows];
        for (int i = 0; i < rows; i++) {
            easiestFirst[i] = i;
        }
        Arrays.sort(easiestFirst, Comparator.<Integer>comparingLong(r -> complexity[2 * r])
                .thenComparingLong(r -> complexity[2 * r + 1])
                .thenComparingInt(r -> r));
        this.batchSize = batchSize;
        this.seed = seed;
        this.start = start;
        this.steps = curriculumSteps;
    }

    /** The competence c of a step: the fraction of rows, easiest first, its batch draws from. */
    public double competence(long step) {
        return Math.min(1.0, start + (1.0 - start) * (double) (step - 1) / steps);
    }

    /** How many of the easiest rows the batch of a step draws from. */
    public int drawable(long step) {
        int n = easiestFirst.length;
        // The epsilon keeps c * n = 40.000000001 from counting as 41.
        return Math.max(1, Math.min(n, (int) Math.ceil(competence(step) * n - 1e-9)));
    }

    @Override
    public int[] rows(long step) {
        if (step < 1) {
            throw new IllegalArgumentException("steps count from 1, got " + step);
        }
        int n = drawable(step);
        SplittableRandom r = new SplittableRandom(Seeds.mix(seed, step));
        int[] out = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            out[i] = easiestFirst[r.nextInt(n)];
        }
        return out;
    }

    /** Row index of the k-th easiest row. */
    public int rank(int k) {
        return easiestFirst[k];
    }
}
