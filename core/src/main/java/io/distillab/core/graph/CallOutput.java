package io.distillab.core.graph;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.core.trajectory.SpecText;
import java.io.IOException;
import java.util.Set;

/**
 * A call's output, prepared for SPEC section 2's rule 1 ("v occurs in the output of c_i"): when the
 * output parses as a JSON object or array, v must equal one of its scalar leaves (taken like
 * values); otherwise v must occur in the text as a whole token.
 */
public final class CallOutput {
    private static final ObjectMapper STRICT = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .build()).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final String text;
    private final Set<String> leaves;

    private CallOutput(String text, Set<String> leaves) {
        this.text = text;
        this.leaves = leaves;
    }

    public static CallOutput of(String output) {
        if (output == null) {
            return new CallOutput("", null);
        }
        String t = SpecText.trim(output);
        if (!t.isEmpty() && (t.charAt(0) == '{' || t.charAt(0) == '[')) {
            try {
                JsonNode node = STRICT.readTree(t);
                if (node != null && node.isContainerNode()) {
                    return new CallOutput(output, ArgumentValues.leaves(node));
                }
            } catch (IOException notJson) {
                // not JSON (a truncated response, say): matched as text below
            }
        }
        return new CallOutput(output, null);
    }

    /** True when the output parsed as a JSON object or array. */
    public boolean isJson() {
        return leaves != null;
    }

    public boolean contains(String value) {
        return leaves != null ? leaves.contains(value) : containsToken(text, value);
    }

    /**
     * True when {@code value} occurs in {@code text} bounded on each side by the start or end of the
     * text or by a character that is not an ASCII letter or digit, '_' or '-'.
     */
    public static boolean containsToken(String text, String value) {
        if (value.isEmpty()) {
            return false;
        }
        for (int at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
            int end = at + value.length();
            if ((at == 0 || !isTokenChar(text.charAt(at - 1))) && (end == text.length() || !isTokenChar(text.charAt(end)))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isTokenChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }
}
