package io.distillab.training.loss;

import io.distillab.training.parallel.Items;

/**
 * The exact CPU implementation: every row in double precision ({@link CpuRowKernel}), rows
 * spread over threads. Results do not depend on the thread count: each row's parts are
 * computed by one thread and summed in row order.
 */
public final class CpuSpanMaskedLoss implements SpanMaskedLoss {
    private final int threads;

    public CpuSpanMaskedLoss() {
        this(Items.defaultThreads());
    }

    public CpuSpanMaskedLoss(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
    }

    @Override
    public String device() {
        return "cpu";
    }

    public int threads() {
        return threads;
    }

    @Override
    public LossResult compute(LossInputs inputs, LossConfig config, boolean withGradient) {
        return compute(inputs, new LossWeights(inputs, config), config, withGradient);
    }

    /**
     * The loss of one part of a larger batch (a micro-batch of a training step): every weight is
     * divided by the batch's counts, so the parts' losses add up to the batch's loss and their
     * gradients are the batch's gradient rows. Every part is computed for every row (KL where
     * there is a teacher, CE where there is a label) whatever its weight, so that the result's
     * {@code rowKl} and {@code rowCe} give unweighted per-span means; rows of weight 0 add nothing
     * to the loss and get a zero gradient.
     *
     * @throws IllegalArgumentException when the part holds more positions of a span than the batch
     *                                  counts, or a KL weight is set without a teacher
     */
    public LossResult computePart(LossInputs inputs, LossConfig config, SpanCounts batchCounts, boolean withGradient) {
        return compute(inputs, new LossWeights(inputs, config, batchCounts, true), config, withGradient);
    }

    private LossResult compute(LossInputs inputs, LossWeights weights, LossConfig config, boolean withGradient) {
        int rows = inputs.rows();
        double[] rowKl = new double[rows];
        double[] rowCe = new double[rows];
        Logits gradient = withGradient
                ? Logits.allocate(inputs.student().precision(), rows, inputs.vocab())
                : null;
        Items.run(threads, rows, () -> {
            CpuRowKernel kernel = new CpuRowKernel(inputs, weights, config);
            return row -> {
                CpuRowKernel.RowStatistics st = kernel.statistics(row);
                rowKl[row] = st.klValue();
                rowCe[row] = st.ceValue();
                if (gradient != null) {
                    kernel.gradient(row, st, gradient);
                }
            };
        });
        return weights.assemble(inputs, rowKl, rowCe, gradient, device());
    }
}
