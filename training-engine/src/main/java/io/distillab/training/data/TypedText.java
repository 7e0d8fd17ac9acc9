package io.distillab.training.data;

import io.distillab.training.loss.SpanType;
import java.util.Arrays;

/**
 * A rendered trajectory: its text and the span type of every character (UTF-16 unit; both units
 * of a surrogate pair carry the same type).
 *
 * @param text  the rendering
 * @param types {@link SpanType#code()} of each character
 */
public record TypedText(String text, byte[] types) {
    public TypedText {
        if (text.length() != types.length) {
            throw new IllegalArgumentException(text.length() + " characters but " + types.length + " types");
        }
    }

    public SpanType typeAt(int i) {
        return SpanType.values()[types[i]];
    }

    /** Appends text of one type. */
    static final class Builder {
        private final StringBuilder text = new StringBuilder();
        private byte[] types = new byte[256];

        Builder append(String s, SpanType type) {
            int from = text.length();
            text.append(s);
            if (types.length < text.length()) {
                types = Arrays.copyOf(types, Math.max(text.length(), types.length * 2));
            }
            Arrays.fill(types, from, text.length(), (byte) type.code());
            return this;
        }

        TypedText build() {
            return new TypedText(text.toString(), Arrays.copyOf(types, text.length()));
        }
    }
}
