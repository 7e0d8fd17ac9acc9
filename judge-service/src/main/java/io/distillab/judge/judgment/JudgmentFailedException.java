package io.distillab.judge.judgment;

/**
 * The judge was asked and gave no usable answer (malformed twice, or the offline rule found
 * nothing to decide on). Recorded as a {@code failed} judgment: the input is not asked again.
 */
public class JudgmentFailedException extends RuntimeException {
    public JudgmentFailedException(String message) {
        super(message);
    }
}
