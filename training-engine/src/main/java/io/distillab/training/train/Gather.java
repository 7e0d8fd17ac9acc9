package io.distillab.training.train;

import io.distillab.training.loss.Logits;
import io.distillab.training.npy.NpyArray;

/** Moves logit rows between the model's [B*T, V] layout and the loss's [n, vocab] of the loss positions. */
final class Gather {
    private Gather() {
    }

    /** The rows {@code positions} of {@code logits} (row length {@code stride}), first {@code vocab} columns. */
    static Logits rows(float[] logits, int stride, int[] positions, int vocab) {
        float[] out = new float[positions.length * vocab];
        for (int i = 0; i < positions.length; i++) {
            System.arraycopy(logits, positions[i] * stride, out, i * vocab, vocab);
        }
        return Logits.of(NpyArray.of(out, positions.length, vocab));
    }

    /**
     * Writes the loss's gradient rows back into dLogits [B*T, stride]: rows of other positions and
     * columns past {@code vocab} (trimmed from the loss) are zero.
     */
    static void scatter(Logits gradient, int[] positions, float[] dLogits, int stride) {
        java.util.Arrays.fill(dLogits, 0f);
        int vocab = gradient.vocab();
        float[] row = new float[vocab];
        for (int i = 0; i < positions.length; i++) {
            gradient.loadRow(i, 0, vocab, row);
            System.arraycopy(row, 0, dLogits, positions[i] * stride, vocab);
        }
    }
}
