package io.distillab.training.loss;

/**
 * The exact CPU implementation: every row in double precision ({@link CpuRowKernel}), rows
 * spread over threads. Results do not depend on the thread count: each row's parts are
 * computed by one thread and summed in row order.
 */
public final class CpuSpanMaskedLoss implements SpanMaskedLoss {
    private final int threads;

    public CpuSpanMaskedLoss() {
        this(RowParallel.defaultThreads());
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
        LossWeights weights = new LossWeights(inputs, config);
        int rows = inputs.rows();
        double[] rowKl = new double[rows];
        double[] rowCe = new double[rows];
        Logits gradient = withGradient
                ? Logits.allocate(inputs.student().precision(), rows, inputs.vocab())
                : null;
        RowParallel.run(threads, rows, () -> {
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
