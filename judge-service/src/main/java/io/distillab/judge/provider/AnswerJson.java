package io.distillab.judge.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Strict reading of the JSON answers the prompts ask for. The only leniency is a Markdown code
 * fence around the whole answer (many models add one); anything else that is not exactly one JSON
 * object with the required fields is malformed, and the messages say precisely why, because they
 * are sent back to the model in the one retry.
 */
public final class AnswerJson {
    private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Pattern FENCED = Pattern.compile("(?s)^```[a-zA-Z]*\\s*\\n(.*?)\\n?```$");

    private AnswerJson() {
    }

    /** The answer as one JSON object. */
    public static JsonNode object(String answer) {
        if (answer == null || answer.isBlank()) {
            throw new MalformedAnswerException("the answer was empty; expected one JSON object");
        }
        String text = answer.strip();
        Matcher fenced = FENCED.matcher(text);
        if (fenced.matches()) {
            text = fenced.group(1).strip();
        }
        JsonNode node;
        try {
            node = STRICT.readTree(text);
        } catch (JsonProcessingException e) {
            throw new MalformedAnswerException("the answer is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new MalformedAnswerException("the answer must be one JSON object, not "
                    + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase()));
        }
        return node;
    }

    /** A required non-blank string field. */
    public static String text(JsonNode answer, String field) {
        JsonNode v = answer.get(field);
        if (v == null || v.isNull()) {
            throw new MalformedAnswerException("field \"" + field + "\" is missing");
        }
        if (!v.isTextual() || v.textValue().isBlank()) {
            throw new MalformedAnswerException("field \"" + field + "\" must be a non-empty string");
        }
        return v.textValue().strip();
    }

    /** A required integer field within [min, max]; 4.0 or "4" are not integers. */
    public static int integer(JsonNode answer, String field, int min, int max) {
        JsonNode v = answer.get(field);
        if (v == null || v.isNull()) {
            throw new MalformedAnswerException("field \"" + field + "\" is missing");
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            throw new MalformedAnswerException("field \"" + field + "\" must be an integer from " + min + " to "
                    + max + ", got " + v);
        }
        return v.intValue();
    }
}
