package io.distillab.training.loss;

/**
 * The normalisers of the loss: |R_k| (positions of span type k) and |A_k| (those of them with a
 * label), indexed by {@link SpanType#code()}. A training step computes the loss of a batch in
 * micro-batches; each micro-batch is normalised by the counts of the whole batch, so the parts'
 * losses and gradients add up to the batch's exactly.
 */
public record SpanCounts(long[] positions, long[] supervised) {
    public SpanCounts {
        if (positions.length != SpanType.COUNT || supervised.length != SpanType.COUNT) {
            throw new IllegalArgumentException("span counts need " + SpanType.COUNT + " entries per table");
        }
        for (int k = 0; k < SpanType.COUNT; k++) {
            if (positions[k] < 0 || supervised[k] < 0 || supervised[k] > positions[k]) {
                throw new IllegalArgumentException("span counts of " + SpanType.values()[k].key() + ": "
                        + positions[k] + " positions, " + supervised[k] + " with labels");
            }
        }
        positions = positions.clone();
        supervised = supervised.clone();
    }

    /** The counts of the positions in {@code inputs}. */
    public static SpanCounts of(LossInputs inputs) {
        long[] positions = new long[SpanType.COUNT];
        long[] supervised = new long[SpanType.COUNT];
        for (int i = 0; i < inputs.rows(); i++) {
            int span = inputs.span(i);
            positions[span]++;
            if (inputs.label(i) != LossInputs.IGNORE_INDEX) {
                supervised[span]++;
            }
        }
        return new SpanCounts(positions, supervised);
    }

    @Override
    public long[] positions() {
        return positions.clone();
    }

    @Override
    public long[] supervised() {
        return supervised.clone();
    }

    long positionsOf(int span) {
        return positions[span];
    }

    long supervisedOf(int span) {
        return supervised[span];
    }
}
