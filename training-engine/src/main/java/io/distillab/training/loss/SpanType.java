package io.distillab.training.loss;

/** The span type of a token position; the code is the value in a spans array. */
public enum SpanType {
    REASON,
    ACTION,
    OBSERVATION,
    OTHER;

    public static final int COUNT = 4;

    public int code() {
        return ordinal();
    }

    /** The lower-case name used in JSON output. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
