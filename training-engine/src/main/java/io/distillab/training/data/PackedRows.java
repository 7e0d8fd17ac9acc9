package io.distillab.training.data;

import io.distillab.training.loss.SpanType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Training rows of {@code context} tokens (SPEC 7, "Length and packing"): a sequence longer than
 * the context is cut into consecutive windows of {@code context} tokens ({@code truncate} keeps the
 * first only), and the windows are packed in order into rows without crossing a row's end: a
 * window that does not fit in what is left of the current row starts the next row. Positions
 * restart at 0 at each window (the model's attention never crosses a window boundary, the
 * contract of {@code CausalLm.forward}); the unfilled tail of a row is padding: token -1,
 * position -1, span OTHER.
 *
 * @param rows        number of rows
 * @param context     tokens per row (L)
 * @param tokens      [rows * L] token ids, -1 padding
 * @param spans       [rows * L] span type of each token
 * @param positions   [rows * L] position ids, -1 padding
 * @param complexity  [rows * 2] per row the (tool calls, tokens) of its hardest sequence, the
 *                    curriculum's key
 * @param windows     windows made
 * @param cutSequences sequences longer than the context
 * @param droppedTokens tokens left out by {@code truncate}
 */
public record PackedRows(int rows, int context, int[] tokens, byte[] spans, int[] positions, long[] complexity,
                         int windows, int cutSequences, long droppedTokens) {

    public static PackedRows pack(List<TokenizedSequence> sequences, int context, boolean truncate) {
        if (context < 2) {
            throw new DataException("context " + context + ": a row needs at least 2 tokens");
        }
        // The windows, in order: {sequence, start, length}.
        List<int[]> windows = new ArrayList<>();
        int cut = 0;
        long dropped = 0;
        for (int s = 0; s < sequences.size(); s++) {
            int n = sequences.get(s).length();
            if (n > context) {
                cut++;
            }
            for (int start = 0; start < n; start += context) {
                windows.add(new int[] {s, start, Math.min(context, n - start)});
                if (truncate) {
                    dropped += n - Math.min(context, n);
                    break;
                }
            }
        }
        // Greedy in order: rowOf[w] and the offset inside the row.
        int[] rowOf = new int[windows.size()];
        int[] offset = new int[windows.size()];
        int rows = 0;
        int used = context; // forces a first row
        for (int w = 0; w < windows.size(); w++) {
            int len = windows.get(w)[2];
            if (used + len > context) {
                rows++;
                used = 0;
            }
            rowOf[w] = rows - 1;
            offset[w] = used;
            used += len;
        }
        int[] tokens = new int[Math.multiplyExact(rows, context)];
        byte[] spans = new byte[tokens.length];
        int[] positions = new int[tokens.length];
        Arrays.fill(tokens, -1);
        Arrays.fill(positions, -1);
        Arrays.fill(spans, (byte) SpanType.OTHER.code());
        long[] complexity = new long[rows * 2];
        Arrays.fill(complexity, -1);
        for (int w = 0; w < windows.size(); w++) {
            int[] win = windows.get(w);
            TokenizedSequence seq = sequences.get(win[0]);
            int at = rowOf[w] * context + offset[w];
            System.arraycopy(seq.ids(), win[1], tokens, at, win[2]);
            System.arraycopy(seq.types(), win[1], spans, at, win[2]);
            for (int i = 0; i < win[2]; i++) {
                positions[at + i] = i;
            }
            int r = rowOf[w];
            long calls = seq.toolCalls();
            long len = seq.length();
            if (calls > complexity[2 * r] || (calls == complexity[2 * r] && len > complexity[2 * r + 1])) {
                complexity[2 * r] = calls;
                complexity[2 * r + 1] = len;
            }
        }
        return new PackedRows(rows, context, tokens, spans, positions, complexity, windows.size(), cut, dropped);
    }

    /** Whether position {@code i} (flat index) predicts a label: the next token is in the same window and REASON or ACTION. */
    public boolean labelled(int i) {
        return predicts(i) && (spans[i + 1] == SpanType.REASON.code() || spans[i + 1] == SpanType.ACTION.code());
    }

    /** Whether position {@code i} is a position at all (SPEC 7): its next token is in the same window. */
    public boolean predicts(int i) {
        int col = i % context;
        return col + 1 < context && tokens[i] >= 0 && positions[i + 1] > 0;
    }
}
