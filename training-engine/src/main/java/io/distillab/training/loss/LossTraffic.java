package io.distillab.training.loss;

/**
 * The fewest bytes of device memory a fused loss must move: each row's student logits read once
 * (unless the row is masked), the dense teacher's read once where the row has a KL term, the
 * gradient written once (masked rows too: their gradient is zero), and the top-k entries read.
 * For float32 with every row under KL and CE that is 12 bytes per element, for bfloat16 6.
 */
public final class LossTraffic {
    private LossTraffic() {
    }

    public static long floorBytes(LossInputs inputs, LossConfig config) {
        LossWeights weights = new LossWeights(inputs, config);
        long vocab = inputs.vocab();
        long element = inputs.student().precision().bytes();
        boolean dense = inputs.teacher() instanceof Teacher.Dense;
        int k = inputs.teacher() instanceof Teacher.Sparse s ? s.k() : 0;
        long bytes = 0;
        for (int i = 0; i < inputs.rows(); i++) {
            int span = inputs.span(i);
            boolean kl = weights.hasKl(span);
            boolean active = kl || weights.hasCe(span, inputs.label(i));
            bytes += vocab * element; // gradient
            if (active) {
                bytes += vocab * element;
            }
            if (kl) {
                bytes += dense ? vocab * element : 8L * k;
            }
        }
        return bytes;
    }
}
