package io.distillab.training.train;

/**
 * Bad training input or options, found before anything is written: the message is one line
 * saying what is wrong and where (file, row, column, option).
 */
public final class InvalidTrainingInputException extends IllegalArgumentException {
    public InvalidTrainingInputException(String message) {
        super(message);
    }

    public InvalidTrainingInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
