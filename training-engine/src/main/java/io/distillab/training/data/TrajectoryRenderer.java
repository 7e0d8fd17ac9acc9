package io.distillab.training.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.core.trajectory.Message;
import io.distillab.core.trajectory.Role;
import io.distillab.core.trajectory.ToolCall;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.training.loss.SpanType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a trajectory as its student will see it and types every character (SPEC section 7).
 *
 * <p><b>With a chat template</b> the messages go to the template in OpenAI form. To know which
 * character came from where, the template renders twice: once as is, and once with every message
 * text and tool-call name wrapped in markers (private-use code points, unique per field, placed
 * inside the text's leading and trailing white space so that {@code trim}, {@code strip} and
 * {@code lstrip} treat the text as before). The marked rendering with its markers removed must equal
 * the plain one, or the template reads the texts in a way the markers disturb and the trajectory is
 * refused. Inside a marked field the type is the field's own: system text OTHER, user text and tool
 * output OBSERVATION, assistant text REASON, a call's name ACTION. The template's own text between
 * two fields (a "gap") is typed by context:
 * <ul>
 *   <li>between two fields of one assistant message (its text and a call, or two calls): the
 *       wrapping of tool calls, ACTION (a call's arguments, rendered by {@code tojson} inside the
 *       wrapping, are ACTION too);</li>
 *   <li>otherwise the gap is the previous message's tail, up to and including the first special
 *       token (its end-of-turn marker), typed as that message ends: ACTION for an assistant
 *       message with tool calls, REASON for one without, OBSERVATION for user and tool messages,
 *       OTHER for the system message; then OTHER up to the end of the role header (the first run
 *       of newlines after the last special token of the gap); then the next message's head
 *       wrapping, typed as its first field (Qwen3's {@code <tool_response>\n} OBSERVATION, an empty
 *       thinking block REASON, {@code <tool_call>\n{"name": "} ACTION);</li>
 *   <li>a gap without special tokens after a message is all that message's tail (Qwen3 groups
 *       consecutive tool outputs in one turn); the text before the first field is OTHER up to the
 *       end of its role header, and the text after the last field is that message's tail and end
 *       marker, then OTHER.</li>
 * </ul>
 *
 * <p><b>Without a template</b> (GPT-2) the plain form: {@code ### {role}\n{text}\n} per message
 * (header OTHER, text and its newline typed as the text), each tool call as
 * {@code Action: {name}\nAction Input: {compact JSON}\n} (ACTION), and the EOS token, typed as the
 * last message's end-of-turn marker when that message is the assistant's (else OTHER).
 */
public final class TrajectoryRenderer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final int OPEN_BASE = 0xF0000;
    private static final int CLOSE_BASE = 0x100000;
    private static final int MAX_FIELDS = 0xFFFD;

    private final Tokenizer tokenizer;
    private final SpecialTokens specials;

    public TrajectoryRenderer(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.specials = new SpecialTokens(tokenizer.specialTokens());
    }

    public TypedText render(Trajectory t) {
        if (t.messages().stream().noneMatch(m -> m.role() == Role.ASSISTANT)) {
            throw new DataException(t.source() + ": no assistant turn: nothing to learn from");
        }
        ChatTemplate template = tokenizer.chatTemplate();
        return template == null ? renderPlain(t) : renderTemplate(t, template);
    }

    /**
     * The prompt for the assistant's {@code turn}-th message (from 1): the trajectory's messages
     * before it, rendered as {@link #render} renders them, and the opening of an assistant turn (the
     * template's generation prompt; {@code ### assistant\n} in the plain form), so that what a model
     * writes next stands where that message stands in the training sequence.
     *
     * @throws DataException when the trajectory has fewer assistant messages
     */
    public String prompt(Trajectory t, int turn) {
        List<Message> messages = t.messages();
        int at = -1;
        for (int i = 0, seen = 0; i < messages.size(); i++) {
            if (messages.get(i).role() == Role.ASSISTANT && ++seen == turn) {
                at = i;
                break;
            }
        }
        if (turn < 1 || at < 0) {
            throw new DataException(t.source() + ": no assistant turn " + turn + " (it has "
                    + messages.stream().filter(m -> m.role() == Role.ASSISTANT).count() + ")");
        }
        List<Message> before = messages.subList(0, at);
        ChatTemplate template = tokenizer.chatTemplate();
        if (template == null) {
            TypedText.Builder b = new TypedText.Builder();
            appendPlain(b, before);
            return b.build().text() + "### assistant\n";
        }
        List<Map<String, Object>> plain = new ArrayList<>();
        for (int i = 0; i < before.size(); i++) {
            Message m = before.get(i);
            plain.add(openAiMessage(m, m.text() == null ? "" : m.text(), i, null));
        }
        try {
            return template.render(plain, t.tools() == null ? null : JSON.convertValue(t.tools(), List.class), true);
        } catch (ChatTemplate.TemplateException e) {
            throw new DataException(t.source() + ": " + e.getMessage(), e);
        }
    }

    /** The assistant's {@code turn}-th message as the plain form writes it (text, then its calls). */
    public static String plainTurn(Trajectory t, int turn) {
        int seen = 0;
        for (Message m : t.messages()) {
            if (m.role() == Role.ASSISTANT && ++seen == turn) {
                TypedText.Builder b = new TypedText.Builder();
                appendPlain(b, List.of(m));
                return b.build().text().substring(("### assistant\n").length());
            }
        }
        throw new DataException(t.source() + ": no assistant turn " + turn);
    }

    // ---------------------------------------------------------------- plain form

    private TypedText renderPlain(Trajectory t) {
        TypedText.Builder b = new TypedText.Builder();
        appendPlain(b, t.messages());
        Message last = t.messages().get(t.messages().size() - 1);
        b.append(tokenizer.eosToken(), last.role() == Role.ASSISTANT ? endType(last) : SpanType.OTHER);
        return b.build();
    }

    private static void appendPlain(TypedText.Builder b, List<Message> messages) {
        for (Message m : messages) {
            b.append("### " + role(m.role()) + "\n", SpanType.OTHER);
            SpanType textType = textType(m.role());
            b.append((m.text() == null ? "" : m.text()) + "\n", textType);
            for (ToolCall c : m.calls()) {
                b.append("Action: " + c.name() + "\nAction Input: " + compactJson(c.arguments()) + "\n",
                        SpanType.ACTION);
            }
        }
    }

    private static String compactJson(JsonNode args) {
        return args == null ? "{}" : args.toString();
    }

    // ---------------------------------------------------------------- chat template

    /** One marked value: which message it belongs to, and the type of its characters. */
    private record Field(int message, boolean callName, SpanType type) {
    }

    private TypedText renderTemplate(Trajectory t, ChatTemplate template) {
        List<Field> fields = new ArrayList<>();
        List<Map<String, Object>> plain = new ArrayList<>();
        List<Map<String, Object>> marked = new ArrayList<>();
        List<Message> messages = t.messages();
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            String text = m.text() == null ? "" : m.text();
            checkNoMarkers(text, t);
            plain.add(openAiMessage(m, text, i, null));
            marked.add(openAiMessage(m, text, i, fields));
        }
        if (fields.size() > MAX_FIELDS) {
            throw new DataException(t.source() + ": more than " + MAX_FIELDS + " texts in one trajectory");
        }
        List<Object> tools = t.tools() == null ? null : JSON.convertValue(t.tools(), List.class);
        String text;
        String markedText;
        try {
            text = template.render(plain, tools);
            markedText = template.render(marked, tools);
        } catch (ChatTemplate.TemplateException e) {
            throw new DataException(t.source() + ": " + e.getMessage(), e);
        }
        return type(t, text, markedText, fields, messages);
    }

    /**
     * Message {@code index} in OpenAI form; with {@code fields} non-null its text and call names are
     * marked (and registered in {@code fields}), else they are given as they are.
     */
    private static Map<String, Object> openAiMessage(Message m, String text, int index, List<Field> fields) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("role", role(m.role()));
        o.put("content", fields == null ? text : mark(text, fields, new Field(index, false, textType(m.role()))));
        if (!m.calls().isEmpty()) {
            List<Object> calls = new ArrayList<>();
            for (ToolCall c : m.calls()) {
                Map<String, Object> fn = new LinkedHashMap<>();
                fn.put("name", fields == null ? c.name() : mark(c.name(), fields, new Field(index, true, SpanType.ACTION)));
                fn.put("arguments", c.arguments() == null ? new LinkedHashMap<>() : JSON.convertValue(c.arguments(), Object.class));
                Map<String, Object> call = new LinkedHashMap<>();
                if (c.id() != null) {
                    call.put("id", c.id());
                }
                call.put("type", "function");
                call.put("function", fn);
                calls.add(call);
            }
            o.put("tool_calls", calls);
        }
        return o;
    }

    /**
     * The value with markers around its part inside leading and trailing white space. A blank
     * value is marked too (an empty tool output still has its wrapping typed as an observation),
     * except an assistant's.
     */
    private static String mark(String value, List<Field> registry, Field field) {
        int start = 0;
        int end = value.length();
        while (start < end && PythonMethods.isPythonSpace(value.charAt(start))) {
            start++;
        }
        while (end > start && PythonMethods.isPythonSpace(value.charAt(end - 1))) {
            end--;
        }
        if (start == end && field.type() == SpanType.REASON) {
            // An assistant's blank text stays unmarked: templates test it for emptiness
            // (Qwen3 writes a newline before a tool call only after non-empty text).
            return value;
        }
        int f = registry.size();
        registry.add(field);
        return value.substring(0, start) + Character.toString(OPEN_BASE + f) + value.substring(start, end)
                + Character.toString(CLOSE_BASE + f) + value.substring(end);
    }

    private static void checkNoMarkers(String text, Trajectory t) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isHighSurrogate(text.charAt(i))) {
                int cp = text.codePointAt(i);
                if (cp >= OPEN_BASE) {
                    throw new DataException(t.source() + ": a message holds a code point of Unicode planes 15-16"
                            + " (private use), which span typing reserves");
                }
            }
        }
    }

    private TypedText type(Trajectory t, String text, String markedText, List<Field> fields, List<Message> messages) {
        // Strip the markers, recording where each field's text lies in the stripped rendering.
        StringBuilder stripped = new StringBuilder(text.length());
        int len = 0;
        int open = -1;
        List<int[]> spans = new ArrayList<>(); // {field, start, end} in stripped coordinates
        boolean[] seen = new boolean[fields.size()];
        int spanStart = 0;
        for (int i = 0; i < markedText.length(); ) {
            int cp = markedText.codePointAt(i);
            int n = Character.charCount(cp);
            if (cp >= OPEN_BASE && cp < OPEN_BASE + fields.size()) {
                open = cp - OPEN_BASE;
                spanStart = len;
            } else if (cp >= CLOSE_BASE && cp < CLOSE_BASE + fields.size()) {
                if (open == cp - CLOSE_BASE) {
                    spans.add(new int[] {open, spanStart, len});
                    seen[open] = true;
                }
                open = -1;
            } else {
                stripped.append(markedText, i, i + n);
                len += n;
            }
            i += n;
        }
        if (!stripped.toString().equals(text)) {
            throw new DataException(t.source() + ": the chat template renders message texts differently when"
                    + " they are marked for span typing (it inspects their content); cannot type its spans");
        }
        for (int f = 0; f < fields.size(); f++) {
            if (!seen[f]) {
                Field fl = fields.get(f);
                throw new DataException(t.source() + ": the chat template does not render "
                        + (fl.callName() ? "tool calls" : "the text of " + role(messages.get(fl.message()).role())
                        + " messages") + " (message " + fl.message() + ")");
            }
        }
        byte[] types = new byte[text.length()];
        int prevEnd = 0;
        Field prev = null;
        for (int[] span : spans) {
            Field next = fields.get(span[0]);
            typeGap(text, types, prevEnd, span[1], prev, next, messages);
            Arrays.fill(types, span[1], span[2], (byte) next.type().code());
            prevEnd = span[2];
            prev = next;
        }
        typeGap(text, types, prevEnd, text.length(), prev, null, messages);
        return new TypedText(text, types);
    }

    private void typeGap(String text, byte[] types, int from, int to, Field prev, Field next, List<Message> messages) {
        if (from >= to) {
            return;
        }
        if (prev != null && next != null && prev.message() == next.message()) {
            fill(types, from, to, SpanType.ACTION);
            return;
        }
        int p = from;
        if (prev != null) {
            SpanType tail = endType(messages.get(prev.message()));
            int[] end = specials.first(text, from, to);
            if (end == null) {
                fill(types, from, to, tail);
                return;
            }
            fill(types, from, end[0] + end[1], tail);
            p = end[0] + end[1];
        }
        if (next == null) {
            fill(types, p, to, SpanType.OTHER);
            return;
        }
        int[] last = specials.last(text, p, to);
        int headerEnd = p;
        if (last != null) {
            int nl = text.indexOf('\n', last[0] + last[1]);
            if (nl < 0 || nl >= to) {
                headerEnd = to;
            } else {
                headerEnd = nl;
                while (headerEnd < to && text.charAt(headerEnd) == '\n') {
                    headerEnd++;
                }
            }
        }
        fill(types, p, headerEnd, SpanType.OTHER);
        fill(types, headerEnd, to, next.type());
    }

    private static void fill(byte[] types, int from, int to, SpanType t) {
        Arrays.fill(types, from, to, (byte) t.code());
    }

    private static String role(Role r) {
        return switch (r) {
            case SYSTEM -> "system";
            case USER -> "user";
            case ASSISTANT -> "assistant";
            case TOOL -> "tool";
        };
    }

    private static SpanType textType(Role r) {
        return switch (r) {
            case SYSTEM -> SpanType.OTHER;
            case USER, TOOL -> SpanType.OBSERVATION;
            case ASSISTANT -> SpanType.REASON;
        };
    }

    /** How a message's turn ends: an assistant's end-of-turn marker is ACTION after tool calls, else REASON. */
    private static SpanType endType(Message m) {
        if (m.role() == Role.ASSISTANT) {
            return m.calls().isEmpty() ? SpanType.REASON : SpanType.ACTION;
        }
        return textType(m.role());
    }

    /** Finds the tokenizer's special tokens in rendered text (longest first at each position). */
    private static final class SpecialTokens {
        private final Map<Character, List<String>> byFirstChar = new java.util.HashMap<>();

        SpecialTokens(List<String> tokens) {
            for (String s : tokens) {
                if (!s.isEmpty()) {
                    byFirstChar.computeIfAbsent(s.charAt(0), k -> new ArrayList<>()).add(s);
                }
            }
            for (List<String> l : byFirstChar.values()) {
                l.sort((a, b) -> b.length() - a.length());
            }
        }

        /** {start, length} of the first special token inside [from, to), or null. */
        int[] first(String text, int from, int to) {
            for (int i = from; i < to; i++) {
                int n = at(text, i, to);
                if (n > 0) {
                    return new int[] {i, n};
                }
            }
            return null;
        }

        /** {start, length} of the last special token inside [from, to), or null. */
        int[] last(String text, int from, int to) {
            for (int i = to - 1; i >= from; i--) {
                int n = at(text, i, to);
                if (n > 0) {
                    return new int[] {i, n};
                }
            }
            return null;
        }

        private int at(String text, int i, int to) {
            List<String> candidates = byFirstChar.get(text.charAt(i));
            if (candidates != null) {
                for (String s : candidates) {
                    if (i + s.length() <= to && text.startsWith(s, i)) {
                        return s.length();
                    }
                }
            }
            return 0;
        }
    }
}
