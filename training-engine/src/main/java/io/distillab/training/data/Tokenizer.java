package io.distillab.training.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A student's tokenizer as training sequences need it (SPEC section 7): token ids with the offset
 * in the text where each token starts, so that a token takes the span type of its first character.
 *
 * <p>Special-token strings in the text (the template's {@code <|im_start|>}, GPT-2's
 * {@code <|endoftext|>}) become their single tokens, as Hugging Face's tokenizers do when a chat
 * template's rendering is tokenized; nothing else is added (no BOS/EOS of a post-processor: the
 * template or the plain form writes them).
 */
public interface Tokenizer {

    /**
     * The tokens of a text.
     *
     * @param ids    token ids
     * @param starts for each token, the UTF-16 index in the text of its first character
     */
    record Encoded(int[] ids, int[] starts) {
    }

    Encoded encode(String text);

    /** The text of the tokens (special tokens written out). */
    String decode(int[] ids);

    /** One more than the largest token id. */
    int vocabSize();

    /** The chat template, or null when the tokenizer has none (the plain form of SPEC 7 applies). */
    ChatTemplate chatTemplate();

    /** The end-of-sequence token's text (the plain form ends every trajectory with it). */
    String eosToken();

    /** The texts of the special tokens, which mark the template's role headers and turn ends. */
    List<String> specialTokens();

    /** What the tokenizer was loaded from ({@code gpt2} or the folder), for reports. */
    String name();

    /**
     * Loads {@code gpt2} (the built-in r50k_base) or a Hugging Face tokenizer folder.
     *
     * @throws DataException when the folder is not a tokenizer folder
     */
    static Tokenizer load(String spec) {
        if ("gpt2".equals(spec)) {
            return Gpt2Tokenizer.INSTANCE;
        }
        Path dir = Path.of(spec);
        if (!Files.isDirectory(dir)) {
            throw new DataException(spec + ": not a tokenizer folder (a folder with tokenizer.json) nor 'gpt2'");
        }
        return HfTokenizer.load(dir);
    }
}
