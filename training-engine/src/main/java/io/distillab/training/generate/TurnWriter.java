package io.distillab.training.generate;

import io.distillab.training.data.Tokenizer;
import io.distillab.training.model.CausalLm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A student writing after a text prompt, as {@code distillab generate} and {@link TurnEvaluation}
 * use it: the prompt is tokenized (and, when longer than the context leaves room for, cut to its
 * latest tokens), then tokens are generated until a special token (a template's end of turn, EOS),
 * the budget, the context, or, with {@code plainTurns}, the plain form's next message header
 * ({@code \n### }), which ends an assistant's turn there. The text is given as it grows, without
 * the special tokens and the next header.
 *
 * <p>One writer keeps its model session from call to call: a prompt that starts with the tokens of
 * the previous prompt (the next turn of the same trajectory) reuses their cached keys and values
 * and runs the model over the rest only, so evaluating every turn of a trajectory costs about one
 * pass over it instead of one per turn.
 */
public final class TurnWriter {
    static final String PLAIN_NEXT_MESSAGE = "\n### ";

    private final CausalLm model;
    private final Tokenizer tokenizer;
    private final boolean plainTurns;
    private final Set<Integer> stops = new HashSet<>();
    private CausalLm.Session session;
    /** The tokens the session holds. */
    private int[] held = new int[0];

    /**
     * @param written  the text
     * @param prompt   the prompt's tokens
     * @param cut      tokens dropped from the prompt's start to fit the context (0: none)
     * @param reused   prompt tokens whose keys and values the previous call had left in the session
     * @param tokens   tokens generated
     * @param stop     why it ended ({@code STOP_TOKEN} also for the plain form's next header)
     */
    public record Written(String written, int prompt, int cut, int reused, int tokens, Generator.Stop stop) {
    }

    public TurnWriter(CausalLm model, Tokenizer tokenizer, boolean plainTurns) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.plainTurns = plainTurns;
        for (String special : tokenizer.specialTokens()) {
            int[] s = tokenizer.encode(special).ids();
            if (s.length == 1) {
                stops.add(s[0]);
            }
        }
    }

    /**
     * @param onText told of each new piece of text (a token that ends inside a character waits for the rest)
     * @throws IllegalArgumentException when a prompt token is past the vocabulary model and tokenizer share
     */
    public Written write(String prompt, int maxTokens, Sampler sampler, Consumer<String> onText) {
        int[] ids = tokenizer.encode(prompt).ids();
        int vocab = Math.min(tokenizer.vocabSize(), model.config().vocabSize());
        for (int id : ids) {
            if (id >= vocab) {
                throw new IllegalArgumentException("the prompt's token " + id + " is past the vocabulary the student and"
                        + " tokenizer share (" + vocab + "): is " + tokenizer.name() + " the student's tokenizer?");
            }
        }
        int context = model.config().maxPositions();
        int room = Math.min(maxTokens, context / 2);
        int cut = Math.max(0, ids.length - (context - room));
        if (cut > 0) {
            ids = Arrays.copyOfRange(ids, cut, ids.length); // the latest messages matter most
        }
        if (ids.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        if (session == null) {
            session = model.session();
        }
        int common = 0;
        while (common < Math.min(held.length, ids.length) && held[common] == ids[common]) {
            common++;
        }
        common = Math.min(common, ids.length - 1); // the last prompt token gives the logits
        session.truncate(common);
        float[] logits = session.append(Arrays.copyOfRange(ids, common, ids.length));
        List<Integer> out = new ArrayList<>();
        List<Integer> all = new ArrayList<>();
        StringBuilder shown = new StringBuilder();
        boolean[] endOfTurn = {false};
        Generator.Result r = Generator.generate(session, logits, context, maxTokens, vocab, sampler,
                token -> stops.contains(token) || endOfTurn[0], token -> {
                    all.add(token);
                    if (!stops.contains(token)) {
                        out.add(token);
                        show(text(out, endOfTurn), shown, onText, endOfTurn[0]);
                    }
                });
        show(text(out, endOfTurn), shown, onText, true);
        held = Arrays.copyOf(ids, session.length());
        for (int i = ids.length; i < held.length; i++) {
            held[i] = all.get(i - ids.length);
        }
        return new Written(shown.toString(), ids.length, cut, common, r.tokens().length,
                endOfTurn[0] ? Generator.Stop.STOP_TOKEN : r.stop());
    }

    /** The text of the tokens; with plain turns, up to the next message header (then the turn is over). */
    private String text(List<Integer> tokens, boolean[] endOfTurn) {
        String now = tokenizer.decode(tokens.stream().mapToInt(Integer::intValue).toArray());
        int header = plainTurns ? now.indexOf(PLAIN_NEXT_MESSAGE) : -1;
        if (header >= 0) {
            endOfTurn[0] = true;
            return now.substring(0, header + 1);
        }
        return now;
    }

    /**
     * Gives what {@code now} adds to what was shown, holding back, until {@code last}, an end that
     * may be the start of the next message header, or of a character whose bytes are not all there.
     */
    private void show(String now, StringBuilder shown, Consumer<String> onText, boolean last) {
        String visible = now;
        if (!last) {
            if (visible.endsWith("\uFFFD")) {
                return;
            }
            if (plainTurns) {
                for (int k = PLAIN_NEXT_MESSAGE.length() - 1; k > 0; k--) {
                    if (visible.endsWith(PLAIN_NEXT_MESSAGE.substring(0, k))) {
                        visible = visible.substring(0, visible.length() - k);
                        break;
                    }
                }
            }
        }
        if (visible.startsWith(shown.toString()) && visible.length() > shown.length()) {
            onText.accept(visible.substring(shown.length()));
            shown.setLength(0);
            shown.append(visible);
        }
    }
}
