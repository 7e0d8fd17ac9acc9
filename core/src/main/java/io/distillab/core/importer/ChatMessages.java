package io.distillab.core.importer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.distillab.core.trajectory.Role;

/**
 * Reads OpenAI-style chat turns into a {@link TranscriptBuilder}. One reader serves every format:
 * OpenAI's {@code tool_calls[].function}, tau2's flat {@code tool_calls[] {id, name, arguments}},
 * the legacy {@code function_call} (ToolBench), tool results as {@code tool} (matched by
 * {@code tool_call_id}, or tau2's {@code id}) or {@code function} turns.
 *
 * <p>tau2 lets the simulated user call tools of its own ({@code requestor: "user"}); those calls and
 * their results are the user's behaviour, not the agent's, so they are left out.
 */
final class ChatMessages {
    private ChatMessages() {
    }

    static void read(JsonNode messages, String path, RecordContext ctx, TranscriptBuilder out) {
        for (int k = 0; k < messages.size(); k++) {
            String at = path + "[" + k + "]";
            JsonNode m = ctx.requiredObject(messages.get(k), at);
            JsonNode roleNode = ctx.required(m, "role", at + ".role");
            if (!roleNode.isTextual()) {
                throw ctx.error(at + ".role", "expected a string, found " + RecordContext.describe(roleNode));
            }
            String text = content(m, at, ctx);
            switch (roleNode.textValue()) {
                case "system", "developer" -> out.message(Role.SYSTEM, text);
                case "user" -> out.message(Role.USER, text);
                case "assistant" -> {
                    out.assistant(text);
                    readCalls(m, at, ctx, out);
                }
                case "tool", "function" -> {
                    if ("user".equals(m.path("requestor").asText(null))) {
                        continue;
                    }
                    String id = m.hasNonNull("tool_call_id") ? m.get("tool_call_id").asText()
                            : m.hasNonNull("id") ? m.get("id").asText() : null;
                    JsonNode flag = m.get("error");
                    Boolean error = flag != null && flag.isBoolean() ? flag.booleanValue() : null;
                    out.tool(id, text == null ? "" : text, error, at);
                }
                default -> throw ctx.error(at + ".role", "unknown role '" + roleNode.textValue() + "'");
            }
        }
    }

    private static void readCalls(JsonNode m, String at, RecordContext ctx, TranscriptBuilder out) {
        JsonNode toolCalls = m.get("tool_calls");
        if (toolCalls != null && !toolCalls.isNull()) {
            if (!toolCalls.isArray()) {
                throw ctx.error(at + ".tool_calls", "expected an array, found " + RecordContext.describe(toolCalls));
            }
            for (int i = 0; i < toolCalls.size(); i++) {
                String cat = at + ".tool_calls[" + i + "]";
                JsonNode c = ctx.requiredObject(toolCalls.get(i), cat);
                if ("user".equals(c.path("requestor").asText(null))) {
                    continue; // tau2: the simulated user's own call
                }
                String id = c.hasNonNull("id") ? c.get("id").asText() : null;
                JsonNode fn = c.get("function");
                if (fn != null && !fn.isNull()) {
                    ctx.requiredObject(fn, cat + ".function");
                    out.call(id, name(fn, cat + ".function.name", ctx),
                            arguments(fn, cat + ".function.arguments", ctx));
                } else {
                    out.call(id, name(c, cat + ".name", ctx), arguments(c, cat + ".arguments", ctx));
                }
            }
        }
        JsonNode fc = m.get("function_call");
        if (fc != null && !fc.isNull()) {
            ctx.requiredObject(fc, at + ".function_call");
            out.call(null, name(fc, at + ".function_call.name", ctx),
                    arguments(fc, at + ".function_call.arguments", ctx));
        }
    }

    private static String name(JsonNode holder, String path, RecordContext ctx) {
        JsonNode n = ctx.required(holder, "name", path);
        if (!n.isTextual()) {
            throw ctx.error(path, "expected a string, found " + RecordContext.describe(n));
        }
        return n.textValue();
    }

    /** Arguments as a JSON object; a JSON string (tau-bench, OpenAI) is parsed, a blank one is {}. */
    private static JsonNode arguments(JsonNode holder, String path, RecordContext ctx) {
        JsonNode a = ctx.required(holder, "arguments", path);
        if (a.isTextual()) {
            String s = a.textValue();
            if (s.isBlank()) {
                return JsonNodeFactory.instance.objectNode();
            }
            try {
                a = Json.MAPPER.readTree(s);
            } catch (JsonProcessingException e) {
                throw ctx.error(path, "not valid JSON: " + e.getOriginalMessage());
            }
        }
        if (!a.isObject()) {
            throw ctx.error(path, "expected a JSON object, found " + RecordContext.describe(a));
        }
        ctx.requireStorableArguments(a, path);
        return a;
    }

    /** Text content: a string, null, or OpenAI's list of content parts (their texts joined). */
    private static String content(JsonNode m, String at, RecordContext ctx) {
        JsonNode c = m.get("content");
        if (c == null || c.isNull()) {
            return null;
        }
        if (c.isTextual()) {
            return c.textValue();
        }
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (part.isTextual()) {
                    sb.append(part.textValue());
                } else if (part.hasNonNull("text")) {
                    sb.append(part.get("text").asText());
                }
            }
            return sb.toString();
        }
        throw ctx.error(at + ".content", "expected a string, found " + RecordContext.describe(c));
    }
}
