package io.distillab.judge.judgment;

/**
 * The judge was asked and gave no usable answer (malformed twice, or the offline rule found
 * nothing to decide on). Recorded as a {@code failed} judgment with its {@link ErrorKind}: the
 * input is not asked again.
 */
public class JudgmentFailedException extends RuntimeException {
    private final ErrorKind kind;

    public JudgmentFailedException(ErrorKind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ErrorKind kind() {
        return kind;
    }
}
