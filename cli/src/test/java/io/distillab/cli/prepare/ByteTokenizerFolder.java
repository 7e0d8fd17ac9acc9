package io.distillab.cli.prepare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Hugging Face tokenizer folder written by hand for tests: byte-level BPE with no merges (every
 * UTF-8 byte one token, GPT-2's byte-to-character table), one special token {@code <|end|>}, and
 * the chat template the test gives.
 */
final class ByteTokenizerFolder {
    private ByteTokenizerFolder() {
    }

    static Path write(Path dir, String chatTemplate) throws IOException {
        Files.createDirectories(dir);
        StringBuilder vocab = new StringBuilder();
        int[] byteToChar = bytesToUnicode();
        for (int b = 0; b < 256; b++) {
            if (b > 0) {
                vocab.append(',');
            }
            vocab.append(quote(Character.toString(byteToChar[b]))).append(':').append(b);
        }
        String json = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,"
                + "\"added_tokens\":[{\"id\":256,\"content\":\"<|end|>\",\"single_word\":false,\"lstrip\":false,"
                + "\"rstrip\":false,\"normalized\":false,\"special\":true}],"
                + "\"normalizer\":null,"
                + "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true},"
                + "\"post_processor\":null,"
                + "\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true},"
                + "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":null,"
                + "\"end_of_word_suffix\":null,\"fuse_unk\":false,\"byte_fallback\":false,\"vocab\":{" + vocab
                + "},\"merges\":[]}}";
        Files.writeString(dir.resolve("tokenizer.json"), json);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\":\"<|end|>\",\"chat_template\":"
                + quote(chatTemplate) + "}");
        return dir;
    }

    /** GPT-2's table: printable bytes map to themselves, the others to 256 + n in order. */
    private static int[] bytesToUnicode() {
        int[] map = new int[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            map[b] = printable[b] ? b : 256 + n++;
        }
        return map;
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
