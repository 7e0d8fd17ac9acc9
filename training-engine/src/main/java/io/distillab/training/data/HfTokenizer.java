package io.distillab.training.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face tokenizer folder: {@code tokenizer.json} run by HF's own Rust tokenizers (DJL's
 * JNI binding; its native library ships inside the DJL jar and is unpacked to DJL's cache folder,
 * {@code ~/.djl.ai} or {@code $DJL_CACHE_DIR}, on first use: nothing is downloaded) and
 * {@code tokenizer_config.json} for the chat template and the named special tokens.
 *
 * <p>The Rust library reports offsets in Unicode code points; they are turned into UTF-16 indices
 * here.
 */
public final class HfTokenizer implements Tokenizer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final List<String> specialTokens;
    private final String eosToken;
    private final ChatTemplate chatTemplate;

    private HfTokenizer(String name, HuggingFaceTokenizer tokenizer, int vocabSize, List<String> specialTokens,
                        String eosToken, ChatTemplate chatTemplate) {
        this.name = name;
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.specialTokens = specialTokens;
        this.eosToken = eosToken;
        this.chatTemplate = chatTemplate;
    }

    static HfTokenizer load(Path dir) {
        Path json = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(json)) {
            throw new DataException(dir + ": no tokenizer.json in the tokenizer folder");
        }
        Path configFile = dir.resolve("tokenizer_config.json");
        JsonNode config = JSON.createObjectNode();
        if (Files.isRegularFile(configFile)) {
            try {
                config = JSON.readTree(configFile.toFile());
            } catch (IOException e) {
                throw new DataException(configFile + ": not valid JSON: " + e.getMessage(), e);
            }
        }
        AddedTokens added = AddedTokens.read(json);
        Map<String, String> named = new LinkedHashMap<>();
        for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
            String t = tokenText(config.get(key));
            if (t != null) {
                named.put(key, t);
            }
        }
        List<String> special = new ArrayList<>(added.special());
        for (String t : named.values()) {
            if (!special.contains(t)) {
                special.add(t);
            }
        }
        HuggingFaceTokenizer tok;
        try {
            tok = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(json)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new DataException(json + ": cannot load the tokenizer: " + e.getMessage(), e);
        }
        String template = chatTemplate(config.get("chat_template"), configFile);
        ChatTemplate ct = template == null ? null : new ChatTemplate(template, named, configFile.toString());
        return new HfTokenizer(dir.toString(), tok, added.maxId() + 1,
                List.copyOf(special), named.get("eos_token"), ct);
    }

    /** A special token in tokenizer_config.json: a string or an AddedToken object with {@code content}. */
    private static String tokenText(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        JsonNode c = n.get("content");
        return c != null && c.isTextual() ? c.textValue() : null;
    }

    /** {@code chat_template}: a string, or a list of named templates of which "default" (else the first) is taken. */
    private static String chatTemplate(JsonNode n, Path file) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isArray() && !n.isEmpty()) {
            for (JsonNode t : n) {
                if ("default".equals(t.path("name").asText())) {
                    return t.path("template").asText();
                }
            }
            return n.get(0).path("template").asText();
        }
        throw new DataException(file + ": field 'chat_template': expected a string or a list of named templates");
    }

    @Override
    public Encoded encode(String text) {
        Encoding e = tokenizer.encode(text, false, false);
        long[] longIds = e.getIds();
        CharSpan[] spans = e.getCharTokenSpans();
        int[] ids = new int[longIds.length];
        int[] starts = new int[longIds.length];
        boolean bmpOnly = text.codePoints().noneMatch(Character::isSupplementaryCodePoint);
        int[] utf16AtCodePoint = bmpOnly ? null : utf16Indices(text);
        int last = 0;
        for (int k = 0; k < ids.length; k++) {
            ids[k] = (int) longIds[k];
            int cp = spans[k] == null ? last : spans[k].getStart();
            last = cp;
            starts[k] = bmpOnly ? cp : utf16AtCodePoint[cp];
        }
        return new Encoded(ids, starts);
    }

    private static int[] utf16Indices(String text) {
        int[] at = new int[text.codePointCount(0, text.length()) + 1];
        int cp = 0;
        for (int c = 0; c < text.length(); c += Character.charCount(text.codePointAt(c))) {
            at[cp++] = c;
        }
        at[cp] = text.length();
        return at;
    }

    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, false);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    @Override
    public String eosToken() {
        return eosToken;
    }

    @Override
    public List<String> specialTokens() {
        return specialTokens;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * What tokenizer.json says beyond what the Rust library exposes: which added tokens are special,
     * and the largest token id (of {@code model.vocab} and {@code added_tokens}). One streaming pass
     * that skips the merges, most of the file.
     */
    private record AddedTokens(List<String> special, int maxId) {
        static AddedTokens read(Path json) {
            List<String> special = new ArrayList<>();
            int maxId = -1;
            try (InputStream in = Files.newInputStream(json);
                 JsonParser p = JSON.getFactory().createParser(in)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new DataException(json + ": not a tokenizer.json (expected a JSON object)");
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if ("added_tokens".equals(field) && v == JsonToken.START_ARRAY) {
                        for (JsonNode t : (JsonNode) p.readValueAsTree()) {
                            maxId = Math.max(maxId, t.path("id").asInt(-1));
                            if (t.path("special").asBoolean(false)) {
                                special.add(t.path("content").asText());
                            }
                        }
                    } else if ("model".equals(field) && v == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String modelField = p.currentName();
                            JsonToken mv = p.nextToken();
                            if ("vocab".equals(modelField) && mv == JsonToken.START_OBJECT) {
                                while (p.nextToken() == JsonToken.FIELD_NAME) {
                                    p.nextToken();
                                    maxId = Math.max(maxId, p.getIntValue());
                                }
                            } else if ("vocab".equals(modelField) && mv == JsonToken.START_ARRAY) {
                                int n = 0; // Unigram: a list of [piece, score]
                                while (p.nextToken() != JsonToken.END_ARRAY) {
                                    p.skipChildren();
                                    n++;
                                }
                                maxId = Math.max(maxId, n - 1);
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                return new AddedTokens(special, maxId);
            } catch (IOException e) {
                throw new DataException(json + ": not valid JSON: " + e.getMessage(), e);
            }
        }
    }
}
