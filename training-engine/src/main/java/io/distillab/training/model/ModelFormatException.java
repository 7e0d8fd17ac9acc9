package io.distillab.training.model;

/**
 * A checkpoint or config.json this engine cannot use: an unknown architecture, a missing or
 * misshapen tensor, a missing field. The message names the file and the tensor or field, in one
 * line, so the CLI can print it as it is (exit code 2).
 */
public final class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
