package io.distillab.training.loss;

/** An implementation of the span-masked KL/CE loss and its gradient (SPEC.md section 6). */
public interface SpanMaskedLoss extends AutoCloseable {
    /** "cpu" or "cuda". */
    String device();

    /**
     * Computes the loss, and dL/dz when {@code withGradient}. The logits must be finite
     * ({@link LossInputs#checkFinite(int)}).
     */
    LossResult compute(LossInputs inputs, LossConfig config, boolean withGradient);

    /** Releases device resources, if any. */
    @Override
    default void close() {
    }
}
