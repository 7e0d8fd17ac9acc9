package io.distillab.judge.judgment;

/** What a judgment is about; also the {@code kind} column of the judgment cache. */
public enum JudgmentKind {
    /** The SPEC stage of one assistant text message. */
    STAGE,
    /** Style, Structure, Alignment of two models' messages of one stage. */
    RPS,
    /** Whether a dependency edge's value came from the source call's output. */
    EDGE;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
