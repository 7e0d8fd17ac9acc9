package io.distillab.training.generate;

import io.distillab.training.model.CausalLm;
import java.util.Arrays;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;

/**
 * Continues a token sequence with a model through a {@link CausalLm#session} (the prompt in one
 * go, then each new token: with the CPU model's key/value cache, the blocks run over the new token
 * only), takes the last position's logits over the first
 * {@code vocab} entries (a checkpoint's padding rows past the tokenizer are never drawn) and asks
 * the sampler for the next token, until a stop token (which is kept), {@code maxNew} tokens, or the
 * model's context is full.
 */
public final class Generator {
    /** Why generation ended. */
    public enum Stop { STOP_TOKEN, MAX_TOKENS, CONTEXT }

    /** The new tokens (without the prompt) and why generation ended. */
    public record Result(int[] tokens, Stop stop) {
    }

    private Generator() {
    }

    /**
     * @param vocab   the tokenizer's vocabulary size (at most the model's)
     * @param stop    tokens that end the text (a turn's end, EOS)
     * @param onToken told of each new token as it comes
     * @throws IllegalArgumentException for an empty prompt, or one as long as the model's context
     */
    public static Result generate(CausalLm model, int[] prompt, int maxNew, int vocab, Sampler sampler, IntPredicate stop,
                                  IntConsumer onToken) {
        int context = model.config().maxPositions();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        if (prompt.length >= context) {
            throw new IllegalArgumentException("the prompt's " + prompt.length + " tokens fill the model's context of "
                    + context + " positions");
        }
        CausalLm.Session session = model.session();
        return generate(session, session.append(prompt), context, maxNew, Math.min(vocab, model.config().vocabSize()),
                sampler, stop, onToken);
    }

    /**
     * Continues a session whose last append gave {@code logits}: each new token but the last is
     * appended to it (the last one's logits are not needed), so that afterwards the session holds
     * the prompt and all of the text except its final token.
     *
     * @param vocab the entries of the logits that may be drawn
     */
    public static Result generate(CausalLm.Session session, float[] logits, int context, int maxNew, int vocab,
                                  Sampler sampler, IntPredicate stop, IntConsumer onToken) {
        int[] text = new int[maxNew];
        int written = 0;
        int n = session.length();
        while (written < maxNew) {
            if (n >= context) {
                return new Result(Arrays.copyOf(text, written), Stop.CONTEXT);
            }
            int next = sampler.next(logits, 0, vocab);
            text[written++] = next;
            n++;
            onToken.accept(next);
            if (stop.test(next)) {
                return new Result(Arrays.copyOf(text, written), Stop.STOP_TOKEN);
            }
            if (written < maxNew && n < context) {
                logits = session.append(new int[] {next});
            }
        }
        return new Result(Arrays.copyOf(text, written), Stop.MAX_TOKENS);
    }
}
