package io.distillab.training.train;

/**
 * Which rows of the training data make up the batch of each step. A pure function of the seed and
 * the step, so a resumed run needs nothing but the step to continue the same order.
 */
public interface BatchOrder {
    /** The data rows of step {@code step} (counted from 1), batch-size many. */
    int[] rows(long step);
}
