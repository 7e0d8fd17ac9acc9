package io.distillab.training.data;

/**
 * Bad training data or tokenizer input: one line naming the file, the record and the cause (the
 * CLI prints it and exits with code 2; nothing has been written).
 */
public class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
