package io.distillab.training.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a student wrote for an assistant turn, read back into text and tool calls, in the two forms
 * training renders calls in: the plain form's {@code Action: NAME\nAction Input: JSON} lines, and
 * the {@code <tool_call>{"name": ..., "arguments": ...}</tool_call>} blocks of Qwen's (Hermes-style)
 * chat templates. A call whose JSON does not parse is kept with null arguments; text in other forms
 * reads as text.
 *
 * @param text  the turn without its calls, trimmed
 * @param calls the calls in order
 */
public record StudentTurn(String text, List<Call> calls) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PLAIN_CALL = Pattern.compile("Action: ([^\\n]*)\\nAction Input: ([^\\n]*)(\\n|$)");
    private static final Pattern TAGGED_CALL = Pattern.compile("<tool_call>\\s*(.*?)\\s*(</tool_call>|$)", Pattern.DOTALL);

    /** A call: its name and its arguments (null when they are not a JSON value). */
    public record Call(String name, JsonNode arguments) {
    }

    public StudentTurn {
        calls = List.copyOf(calls);
    }

    public static StudentTurn parse(String generated) {
        List<Call> calls = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        Matcher tagged = TAGGED_CALL.matcher(generated);
        if (generated.contains("<tool_call>")) {
            int last = 0;
            while (tagged.find()) {
                text.append(generated, last, tagged.start());
                last = tagged.end();
                JsonNode call = json(tagged.group(1));
                String name = call != null && call.path("name").isTextual() ? call.get("name").asText() : "";
                calls.add(new Call(name, call == null ? null : call.get("arguments")));
            }
            text.append(generated.substring(last));
        } else {
            Matcher plain = PLAIN_CALL.matcher(generated);
            int last = 0;
            while (plain.find()) {
                text.append(generated, last, plain.start());
                last = plain.end();
                calls.add(new Call(plain.group(1).strip(), json(plain.group(2))));
            }
            text.append(generated.substring(last));
        }
        return new StudentTurn(text.toString().strip(), calls);
    }

    private static JsonNode json(String s) {
        try {
            return s.isBlank() ? null : JSON.readTree(s);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
