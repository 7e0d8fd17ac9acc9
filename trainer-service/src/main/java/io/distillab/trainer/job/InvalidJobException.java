package io.distillab.trainer.job;

/**
 * A job refused before anything starts. {@code field} names the request field at fault (a JSON
 * path such as {@code wKl[2]}); {@code unprocessable} marks a well-formed request that cannot run
 * (a model that does not fit the device's memory, a GPU job where there is no GPU), answered 422
 * rather than 400.
 */
public final class InvalidJobException extends RuntimeException {
    private final String field;
    private final boolean unprocessable;

    public InvalidJobException(String field, String message) {
        this(field, message, false);
    }

    public InvalidJobException(String field, String message, boolean unprocessable) {
        super(field + ": " + message);
        this.field = field;
        this.unprocessable = unprocessable;
    }

    public static InvalidJobException unprocessable(String field, String message) {
        return new InvalidJobException(field, message, true);
    }

    public String field() {
        return field;
    }

    public boolean unprocessable() {
        return unprocessable;
    }
}
