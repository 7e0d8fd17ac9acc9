package io.distillab.training.data;

import io.distillab.training.loss.SpanType;

/**
 * One trajectory as tokens: each token typed by the character at its start offset (SPEC 7).
 *
 * @param ids       token ids
 * @param types     {@link SpanType#code()} of each token
 * @param toolCalls the trajectory's number of tool calls (the curriculum's first complexity key)
 * @param source    file and record, for messages
 * @param rendered  the typed rendering the tokens came from
 * @param starts    UTF-16 start of each token in the rendering
 */
public record TokenizedSequence(int[] ids, byte[] types, int toolCalls, String source, TypedText rendered,
                                int[] starts) {

    static TokenizedSequence of(TypedText text, Tokenizer tokenizer, int toolCalls, String source) {
        Tokenizer.Encoded e = tokenizer.encode(text.text());
        byte[] types = new byte[e.ids().length];
        for (int k = 0; k < types.length; k++) {
            int at = e.starts()[k];
            types[k] = at < text.types().length ? text.types()[at] : (byte) SpanType.OTHER.code();
        }
        return new TokenizedSequence(e.ids(), types, toolCalls, source, text, e.starts());
    }

    public int length() {
        return ids.length;
    }
}
