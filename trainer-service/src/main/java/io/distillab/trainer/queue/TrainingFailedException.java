package io.distillab.trainer.queue;

/** A job that cannot be trained; its message becomes the job's error, for users to read. */
public class TrainingFailedException extends RuntimeException {
    public TrainingFailedException(String message) {
        super(message);
    }

    public TrainingFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
