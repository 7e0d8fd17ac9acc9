package io.distillab.judge.judgment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

/**
 * The hashes the judgment cache is keyed by. Inputs are hashed as canonical JSON (object keys
 * sorted at every level, no whitespace) so that the same input sent with its keys in another order
 * hits the same row. A plain ObjectMapper, not the application's, so that no serialization
 * setting can change a key.
 */
public final class Hashing {
    private static final ObjectMapper PLAIN = new ObjectMapper();

    private Hashing() {
    }

    /** Hash of what the judge sees: the request without its {@code judge} selector. */
    public static String inputHash(JudgeRequest request) {
        JsonNode tree = PLAIN.valueToTree(request);
        ((ObjectNode) tree).remove("judge");
        return sha256Hex(canonicalJson(tree));
    }

    /** The row key: configuration, prompt version, kind and input together. */
    public static String cacheKey(String configurationKey, String promptVersion, JudgmentKind kind, String inputHash) {
        return sha256Hex(configurationKey + "\n" + promptVersion + "\n" + kind.wire() + "\n" + inputHash);
    }

    /** Hash of a value's canonical JSON (judge configurations). */
    public static String hashOf(Object value) {
        return sha256Hex(canonicalJson(PLAIN.valueToTree(value)));
    }

    public static String canonicalJson(JsonNode node) {
        try {
            return PLAIN.writeValueAsString(sorted(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A JSON tree always serializes", e);
        }
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (String name : names) {
                out.set(name, sorted(node.get(name)));
            }
            return out;
        }
        if (node.isArray()) {
            var out = JsonNodeFactory.instance.arrayNode();
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                out.add(sorted(it.next()));
            }
            return out;
        }
        return node;
    }

    public static String sha256Hex(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
