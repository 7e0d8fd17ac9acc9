package io.distillab.metrics.queue;

/**
 * An analysis that cannot be computed for a reason its user can act on. The message becomes the
 * analysis's {@code error}, the code its {@code errorCode}: both are shown to users, so the
 * message says what is wrong in the user's terms and never carries an exception's text.
 */
public class AnalysisFailedException extends RuntimeException {
    /** The input cannot give a result (no trajectories of the chosen models, ...). */
    public static final String INVALID_INPUT = "invalid-input";

    private final String code;

    public AnalysisFailedException(String message) {
        this(INVALID_INPUT, message, null);
    }

    protected AnalysisFailedException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** A stable, machine-readable reason: {@code invalid-input}, {@code judge-unavailable}, ... */
    public String code() {
        return code;
    }
}
