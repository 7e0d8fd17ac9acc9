package io.distillab.training.train;

import java.util.Arrays;

/**
 * The rows of the training data held out for evaluation ({@code --eval-fraction} or
 * {@code --eval-rows}) and the rows trained on: a seeded choice, a pure function of (rows, held-out
 * count, seed), so a resumed run holds out the same rows. The held-out rows are the first
 * {@code count} entries of the data order's permutation of epoch -1, which no training epoch uses,
 * sorted.
 *
 * <p>Rows are the unit because they are what the data gives: packed rows of {@code distillab
 * prepare}, or one sequence per row. Other trials of a held-out trajectory's task may sit in
 * training rows; the held-out loss measures the fit to unseen sequences, not to unseen tasks.
 *
 * @param train the rows the batches are drawn from, ascending
 * @param eval  the held-out rows, ascending (empty without evaluation)
 */
record HeldOutRows(int[] train, int[] eval) {
    static HeldOutRows none(int rows) {
        int[] all = new int[rows];
        for (int i = 0; i < rows; i++) {
            all[i] = i;
        }
        return new HeldOutRows(all, new int[0]);
    }

    /**
     * The rows {@code fraction} holds out: round(fraction * rows), at least one when the fraction is
     * above 0.
     *
     * @throws IllegalArgumentException when the fraction is not in [0, 1)
     */
    static int count(int rows, double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("must be a fraction in [0, 1), got " + fraction);
        }
        return fraction == 0 ? 0 : Math.max(1, (int) Math.round(fraction * rows));
    }

    /** @throws IllegalArgumentException when {@code held} is negative or leaves no row to train on */
    static HeldOutRows split(int rows, int held, long seed) {
        if (held < 0) {
            throw new IllegalArgumentException("must be >= 0, got " + held);
        }
        if (held == 0) {
            return none(rows);
        }
        if (held >= rows) {
            throw new IllegalArgumentException("holding out " + held + " of " + rows + " rows leaves none to train on");
        }
        int[] permutation = DataOrder.permutation(rows, seed, -1);
        int[] eval = Arrays.copyOf(permutation, held);
        Arrays.sort(eval);
        int[] train = new int[rows - held];
        for (int r = 0, e = 0, t = 0; r < rows; r++) {
            if (e < held && eval[e] == r) {
                e++;
            } else {
                train[t++] = r;
            }
        }
        return new HeldOutRows(train, eval);
    }

    boolean evaluates() {
        return eval.length > 0;
    }

    /** {@code order} over indices into {@link #train}, as data rows. */
    BatchOrder onTrainingRows(BatchOrder order) {
        if (!evaluates()) {
            return order; // every row trains: index i is row i
        }
        return step -> {
            int[] at = order.rows(step);
            int[] out = new int[at.length];
            for (int j = 0; j < at.length; j++) {
                out[j] = train[at[j]];
            }
            return out;
        };
    }

    /** The held-out rows in batches of {@code micro}, the last one filled up with -1 (a row of padding). */
    int[][] evalBatches(int micro) {
        int n = (eval.length + micro - 1) / micro;
        int[][] out = new int[n][];
        for (int b = 0; b < n; b++) {
            int[] batch = new int[micro];
            Arrays.fill(batch, -1);
            int from = b * micro;
            System.arraycopy(eval, from, batch, 0, Math.min(micro, eval.length - from));
            out[b] = batch;
        }
        return out;
    }
}
