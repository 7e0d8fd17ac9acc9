package io.distillab.training.train;

import io.distillab.training.loss.LossInputs;
import io.distillab.training.loss.SpanType;

/**
 * The model inputs and the labels of some rows (SPEC section 7): position i predicts token i+1;
 * {@code y_i} = token i+1 when that token is REASON or ACTION, else -100, and {@code m_i} = the
 * span type of token i+1. The last position of a sequence (its next token is padding, the end of
 * the row, or the start of another packed sequence) is no position at all: it is left out of
 * {@link #lossPositions()}, so it counts in no R_k and no A_k.
 *
 * <p>Arrays are [B*T] row-major over the given rows, T = the data's row length. Padding tokens are
 * given to the model as token 0 with position -1 (the model ignores them); a row index of -1 gives a
 * row of padding.
 */
public final class BatchLabels {
    private final int rowCount;
    private final int length;
    private final int[] modelTokens;
    private final int[] positions;
    private final int[] lossPositions;
    private final int[] labels;
    private final byte[] spans;

    public BatchLabels(TrainingData data, int[] rows) {
        this.rowCount = rows.length;
        this.length = data.length();
        int n = rowCount * length;
        this.modelTokens = new int[n];
        this.positions = new int[n];
        int[] index = new int[n];
        int[] y = new int[n];
        byte[] m = new byte[n];
        int count = 0;
        for (int b = 0; b < rowCount; b++) {
            if (rows[b] < 0) { // a row of padding: fills up the held-out rows' last batch
                java.util.Arrays.fill(positions, b * length, (b + 1) * length, TrainingData.PADDING);
                continue;
            }
            int base = rows[b] * length;
            for (int t = 0; t < length; t++) {
                int token = data.tokens()[base + t];
                modelTokens[b * length + t] = token == TrainingData.PADDING ? 0 : token;
                positions[b * length + t] = data.positions()[base + t];
                boolean hasNext = t + 1 < length && token != TrainingData.PADDING
                        && data.tokens()[base + t + 1] != TrainingData.PADDING && data.positions()[base + t + 1] != 0;
                if (hasNext) {
                    int next = data.tokens()[base + t + 1];
                    byte span = data.spans()[base + t + 1];
                    index[count] = b * length + t;
                    m[count] = span;
                    y[count] = span == SpanType.REASON.code() || span == SpanType.ACTION.code()
                            ? next : LossInputs.IGNORE_INDEX;
                    count++;
                }
            }
        }
        this.lossPositions = java.util.Arrays.copyOf(index, count);
        this.labels = java.util.Arrays.copyOf(y, count);
        this.spans = java.util.Arrays.copyOf(m, count);
    }

    public int rowCount() {
        return rowCount;
    }

    public int length() {
        return length;
    }

    /** Tokens for the model, [B*T], padding as 0. */
    public int[] modelTokens() {
        return modelTokens;
    }

    /** Position ids, [B*T], -1 at padding. */
    public int[] positions() {
        return positions;
    }

    /** The flat indices b*T+t of the positions that have a next token, in order. */
    public int[] lossPositions() {
        return lossPositions;
    }

    /** y of each loss position (same order as {@link #lossPositions()}). */
    public int[] labels() {
        return labels;
    }

    /** m of each loss position. */
    public byte[] spans() {
        return spans;
    }

    /** Adds this part's |R_k| and |A_k| to the tables. */
    public void addCounts(long[] positionsPerSpan, long[] supervisedPerSpan) {
        for (int i = 0; i < spans.length; i++) {
            positionsPerSpan[spans[i]]++;
            if (labels[i] != LossInputs.IGNORE_INDEX) {
                supervisedPerSpan[spans[i]]++;
            }
        }
    }
}
