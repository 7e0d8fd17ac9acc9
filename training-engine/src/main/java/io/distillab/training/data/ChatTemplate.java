package io.distillab.training.data;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.JinjavaNodePreProcessor;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;

/**
 * A tokenizer's Jinja {@code chat_template}, rendered by jinjava configured the way Hugging Face
 * transformers configures jinja2 for {@code apply_chat_template}: {@code trim_blocks} and
 * {@code lstrip_blocks}, the loop controls, {@code namespace()}, HF's own {@code tojson}
 * ({@code ensure_ascii=False}, {@code indent}), {@code raise_exception} and {@code strftime_now}
 * globals, and the special tokens ({@code bos_token}, {@code eos_token}, ...) as variables.
 *
 * <p>Where jinjava reads Python-isms differently, the template source is rewritten before parsing
 * (each rewrite means the same in jinja2): {@code x[::-1]} becomes {@code x|reverse}, and
 * {@code namespace(a=expr)} becomes {@code namespace(a=(expr))} (jinjava would otherwise apply
 * operators after a filter to the named parameter). Python's string and dict methods come from
 * {@link PythonMethods}.
 */
public final class ChatTemplate {
    /**
     * The longest text a template may produce, in characters: its rendering, and any string or
     * JSON it builds on the way. A trajectory's rendering is far shorter (a model's whole context is
     * well under a million characters); the bound keeps a tiny template that loops or doubles a
     * string from exhausting memory.
     */
    static final int MAX_TEXT_CHARS = 32 << 20;
    /** The most elements a list or map the template builds may hold. */
    private static final int MAX_COLLECTION_SIZE = 1 << 20;
    /**
     * The most template nodes (texts, tags, expressions) one rendering may render, counting each
     * loop iteration's. Qwen3's template renders a few dozen per message, so a trajectory of
     * thousands of messages (far more than any context holds) stays below; nested loops over
     * range(1000) do not.
     */
    static final long MAX_RENDER_STEPS = 200_000;
    /**
     * The longest one rendering may take: a real one takes milliseconds. The step count bounds
     * loops with bodies; this bounds what it cannot see (nested loops with empty bodies).
     */
    static final long MAX_RENDER_NANOS = 30_000_000_000L;

    /** The steps and the deadline of the rendering in progress on this thread. */
    private static final ThreadLocal<long[]> BUDGET = new ThreadLocal<>();

    private final String source;
    private final String where;
    private final Map<String, String> specialTokens;
    private final Jinjava jinjava;

    /**
     * @param source        the template as tokenizer_config.json has it
     * @param specialTokens {@code bos_token}, {@code eos_token}, ... as the template's variables
     * @param where         the file it came from, for messages
     */
    public ChatTemplate(String source, Map<String, String> specialTokens, String where) {
        this.source = rewrite(source);
        this.where = where;
        this.specialTokens = Map.copyOf(specialTokens);
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withFailOnUnknownTokens(false)
                .withMaxOutputSize(MAX_TEXT_CHARS)
                .withMaxStringLength(MAX_TEXT_CHARS)
                .withMaxListSize(MAX_COLLECTION_SIZE)
                .withMaxMapSize(MAX_COLLECTION_SIZE)
                .withNodePreProcessor(new JinjavaNodePreProcessor().andThen((node, interpreter) -> spendStep()))
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withParseWhitespaceControlStrictly(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withKeepNullableLoopValues(true)
                        .withAllowAdjacentTextNodes(true)
                        .build())
                .build();
        this.jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFilter(new HfToJson());
        try {
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                    ChatTemplate.class.getDeclaredMethod("raiseException", String.class)));
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                    ChatTemplate.class.getDeclaredMethod("strftimeNow", String.class)));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The template source as parsed (after the rewrites). */
    public String source() {
        return source;
    }

    /**
     * Renders messages (OpenAI form: maps of role, content, tool_calls) with the tool schemas.
     *
     * @param tools the tools in OpenAI form, or null (then {@code tools} is undefined to the template)
     * @throws TemplateException with jinja's error when the template fails
     */
    public String render(List<Map<String, Object>> messages, List<Object> tools) {
        return render(messages, tools, false);
    }

    /**
     * {@link #render(List, List)}; with {@code addGenerationPrompt} the template also opens the
     * assistant's next turn (its role header), as a prompt for generation.
     */
    public String render(List<Map<String, Object>> messages, List<Object> tools, boolean addGenerationPrompt) {
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.put("messages", messages);
        if (tools != null) {
            context.put("tools", tools);
        }
        context.put("add_generation_prompt", addGenerationPrompt);
        RenderResult r;
        BUDGET.set(new long[] {0, System.nanoTime() + MAX_RENDER_NANOS});
        try {
            r = jinjava.renderForResult(source, context);
        } catch (RenderTooLong e) {
            throw new TemplateException(where + ": chat template failed: " + e.getMessage(), null);
        } catch (RuntimeException e) {
            throw new TemplateException(where + ": chat template failed: " + e.getMessage(), e);
        } catch (StackOverflowError e) {
            // jinjava parses and renders by recursion: a tiny template can nest a few thousand
            // brackets deep or print a list that holds itself. The render is abandoned whole.
            throw new TemplateException(where + ": chat template failed: it nests too deeply or renders"
                    + " a value that contains itself", null);
        } finally {
            BUDGET.remove();
        }
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                String msg = e.getMessage();
                Throwable cause = e.getException();
                while (cause != null) {
                    if (cause instanceof RaisedException) {
                        msg = "raise_exception('" + cause.getMessage() + "')";
                        break;
                    }
                    if (cause instanceof PythonMethods.PythonError || cause instanceof PyJson.JsonError
                            || cause instanceof RenderTooLong) {
                        msg = cause.getMessage(); // says what Python would: no need of jinjava's wrapping
                        break;
                    }
                    cause = cause.getCause();
                }
                throw new TemplateException(where + ": chat template failed at line " + e.getLineno() + ": "
                        + msg.replace('\n', ' '), e.getException());
            }
        }
        return r.getOutput();
    }

    /** Counts a node about to render against this thread's rendering budget. */
    private static void spendStep() {
        long[] budget = BUDGET.get();
        if (budget == null) {
            return;
        }
        if (++budget[0] > MAX_RENDER_STEPS) {
            throw new RenderTooLong("it renders more than " + MAX_RENDER_STEPS + " template nodes (loops too long)");
        }
        if (System.nanoTime() > budget[1]) {
            throw new RenderTooLong("it takes longer than " + MAX_RENDER_NANOS / 1_000_000_000L + " s to render");
        }
    }

    /**
     * A rendering over its budget. An Error, not an exception: jinjava records an exception in a
     * node as that node's error and renders on, which inside a long loop is the very work to stop.
     */
    private static final class RenderTooLong extends Error {
        RenderTooLong(String message) {
            super(message, null, false, false);
        }
    }

    /** A template that does not render: the message says where and why. */
    public static final class TemplateException extends RuntimeException {
        TemplateException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What {@code raise_exception(msg)} throws, as HF's raises a TemplateError. */
    static final class RaisedException extends RuntimeException {
        RaisedException(String message) {
            super(message);
        }
    }

    public static Object raiseException(String message) {
        throw new RaisedException(message);
    }

    public static String strftimeNow(String format) {
        return StrftimeFormatter.format(ZonedDateTime.now(), format);
    }

    /** HF's {@code tojson}: {@code json.dumps(x, ensure_ascii=False, indent=indent, separators=..., sort_keys=...)}. */
    static final class HfToJson implements Filter {
        /** The deepest indent taken (chat templates indent by a few spaces). */
        private static final int MAX_INDENT = 1000;

        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            Object sortKeys = kwargs.get("sort_keys");
            Object separators = kwargs.get("separators");
            String item = null;
            String key = null;
            if (separators instanceof List<?> l && l.size() == 2) {
                item = String.valueOf(l.get(0));
                key = String.valueOf(l.get(1));
            }
            return new PyJson(indentUnit(indent), item, key, Boolean.TRUE.equals(sortKeys), MAX_TEXT_CHARS).write(var);
        }

        /** Python's indent: a number of spaces (none when negative) or the string itself; null for none. */
        private static String indentUnit(Object indent) {
            if (indent == null) {
                return null;
            }
            if (indent instanceof CharSequence s) {
                return s.toString();
            }
            if (indent instanceof Long || indent instanceof Integer) {
                long n = ((Number) indent).longValue();
                if (n > MAX_INDENT) {
                    throw new PyJson.JsonError("tojson: an indent of " + n + " is more than " + MAX_INDENT);
                }
                return " ".repeat((int) Math.max(0, n));
            }
            throw new PyJson.JsonError("tojson: indent must be an integer or a string, not " + indent);
        }
    }

    /** The source rewrites described on the class. */
    static String rewrite(String src) {
        String s = src.replace("[::-1]", "|reverse");
        StringBuilder out = new StringBuilder();
        int from = 0;
        while (true) {
            int at = s.indexOf("namespace(", from);
            if (at < 0 || (at > 0 && Character.isJavaIdentifierPart(s.charAt(at - 1)))) {
                if (at < 0) {
                    break;
                }
                out.append(s, from, at + 10);
                from = at + 10;
                continue;
            }
            int open = at + "namespace".length();
            int close = matchingParen(s, open);
            if (close < 0) {
                break;
            }
            out.append(s, from, open + 1);
            List<String> args = splitTopLevel(s.substring(open + 1, close));
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                int eq = a.indexOf('=');
                if (i > 0) {
                    out.append(',');
                }
                if (eq > 0 && a.substring(0, eq).trim().matches("[A-Za-z_][A-Za-z0-9_]*")
                        && (eq + 1 >= a.length() || a.charAt(eq + 1) != '=')) {
                    out.append(a, 0, eq + 1).append('(').append(a.substring(eq + 1)).append(')');
                } else {
                    out.append(a);
                }
            }
            out.append(')');
            from = close + 1;
        }
        out.append(s.substring(from));
        return out.toString();
    }

    private static int matchingParen(String s, int open) {
        int depth = 0;
        char quote = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static List<String> splitTopLevel(String args) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        char quote = 0;
        int start = 0;
        for (int i = 0; i < args.length(); i++) {
            char c = args.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(args.substring(start, i));
                start = i + 1;
            }
        }
        if (start < args.length() || !out.isEmpty()) {
            out.add(args.substring(start));
        }
        return out;
    }
}
