package io.distillab.training.data;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The built-in {@code gpt2} tokenizer: r50k_base through jtokkit, with no chat template. jtokkit
 * gives no offsets, so they are found by decoding token by token: token k starts at the byte where
 * the bytes of tokens 0..k-1 end, and a byte maps to the character it belongs to (a token that
 * starts inside a multi-byte character starts at that character).
 */
public final class Gpt2Tokenizer implements Tokenizer {
    static final Gpt2Tokenizer INSTANCE = new Gpt2Tokenizer();

    /** {@code <|endoftext|>}, GPT-2's only special token. */
    public static final String EOS = "<|endoftext|>";
    public static final int EOS_ID = 50256;

    private final Encoding encoding = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    /** Bytes of each token id, decoded once. */
    private final int[] byteLength = new int[EOS_ID + 1];

    private Gpt2Tokenizer() {
        IntArrayList one = new IntArrayList(1);
        one.add(0);
        for (int id = 0; id <= EOS_ID; id++) {
            one.set(0, id);
            byteLength[id] = encoding.decodeBytes(one).length;
        }
    }

    @Override
    public Encoded encode(String text) {
        IntArrayList ids = new IntArrayList(text.length() / 3 + 8);
        int from = 0;
        while (true) {
            int eos = text.indexOf(EOS, from);
            String piece = text.substring(from, eos < 0 ? text.length() : eos);
            if (!piece.isEmpty()) {
                IntArrayList part = encoding.encodeOrdinary(piece);
                for (int i = 0; i < part.size(); i++) {
                    ids.add(part.get(i));
                }
            }
            if (eos < 0) {
                break;
            }
            ids.add(EOS_ID);
            from = eos + EOS.length();
        }
        int[] out = ids.toArray();
        return new Encoded(out, starts(text, out));
    }

    /** UTF-16 start of each token: cumulative UTF-8 byte lengths mapped back to characters. */
    private int[] starts(String text, int[] ids) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] charAtByte = new int[utf8.length + 1];
        int b = 0;
        for (int c = 0; c < text.length(); ) {
            int cp = text.codePointAt(c);
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            for (int k = 0; k < n; k++) {
                charAtByte[b + k] = c;
            }
            b += n;
            c += Character.charCount(cp);
        }
        charAtByte[utf8.length] = text.length();
        int[] starts = new int[ids.length];
        int at = 0;
        for (int k = 0; k < ids.length; k++) {
            starts[k] = charAtByte[Math.min(at, utf8.length)];
            at += byteLength[ids[k]];
        }
        return starts;
    }

    @Override
    public String decode(int[] ids) {
        IntArrayList l = new IntArrayList(ids.length);
        for (int id : ids) {
            l.add(id);
        }
        return encoding.decode(l);
    }

    @Override
    public int vocabSize() {
        return EOS_ID + 1;
    }

    @Override
    public ChatTemplate chatTemplate() {
        return null;
    }

    @Override
    public String eosToken() {
        return EOS;
    }

    @Override
    public List<String> specialTokens() {
        return List.of(EOS);
    }

    @Override
    public String name() {
        return "gpt2";
    }
}
