package io.distillab.judge.provider;

/**
 * The text every AI service appends to its user message when the first answer was malformed:
 * the answer it gave and the parse error. Part of every prompt version: a change here must bump
 * them all.
 */
public final class RetryPrompt {
    public static final String SUFFIX = """


            Your previous answer was:
            <<<
            {previousAnswer}
            >>>
            It was rejected: {parseError}.
            Answer again with only the JSON object described above.""";

    private RetryPrompt() {
    }
}
