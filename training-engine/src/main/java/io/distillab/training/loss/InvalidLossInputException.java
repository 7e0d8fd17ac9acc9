package io.distillab.training.loss;

/** An input of the loss is malformed; {@link #input()} says which one, the message what and where. */
public final class InvalidLossInputException extends IllegalArgumentException {
    /** The inputs of the loss, for pointing at the file a problem is in. */
    public enum Input {
        STUDENT("student"),
        TEACHER("teacher"),
        TEACHER_INDEX("teacher top-k indices"),
        TEACHER_LOGPROB("teacher top-k log-probabilities"),
        LABELS("labels"),
        SPANS("spans");

        private final String label;

        Input(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final Input input;

    public InvalidLossInputException(Input input, String message) {
        super(message);
        this.input = input;
    }

    public Input input() {
        return input;
    }
}
