package io.distillab.judge.provider;

/** An LLM answer that is not the JSON the prompt asked for; the message is the parse error. */
public class MalformedAnswerException extends RuntimeException {
    public MalformedAnswerException(String message) {
        super(message);
    }
}
