package io.distillab.training.data;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Python's {@code json.dumps} as Hugging Face transformers' {@code tojson} filter calls it
 * ({@code ensure_ascii=False}, optional {@code indent}, {@code separators}, {@code sort_keys}), over
 * the Java values a template sees (maps, lists, strings, numbers, booleans, null). The rendered
 * text must match Python's to the character: separators {@code ", "} and {@code ": "} (with an
 * indent, {@code ","} and newlines), only control characters, quote and backslash escaped, floats
 * as Python's {@code repr}.
 */
final class PyJson {
    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final long maxLength;
    /** The maps and lists being written, outermost first: one met again inside itself is a cycle. */
    private final Set<Object> open = Collections.newSetFromMap(new IdentityHashMap<>());

    /** A value json.dumps refuses (a cycle, as Python's ValueError) or JSON longer than allowed. */
    static final class JsonError extends RuntimeException {
        JsonError(String message) {
            super(message);
        }
    }

    /**
     * @param indent    the text of one indent level (Python's {@code indent} as a string), or null for one line
     * @param maxLength the longest text to write: past it the value is refused ({@link JsonError})
     */
    PyJson(String indent, String itemSeparator, String keySeparator, boolean sortKeys, long maxLength) {
        this.indent = indent;
        this.itemSeparator = itemSeparator != null ? itemSeparator : indent == null ? ", " : ",";
        this.keySeparator = keySeparator != null ? keySeparator : ": ";
        this.sortKeys = sortKeys;
        this.maxLength = maxLength;
    }

    static String dumps(Object value) {
        return new PyJson(null, null, null, false, Integer.MAX_VALUE - 8).write(value);
    }

    String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(value, sb, 0);
        return sb.toString();
    }

    private void write(Object v, StringBuilder sb, int level) {
        if (sb.length() > maxLength) {
            throw new JsonError("tojson: the JSON is longer than " + maxLength + " characters");
        }
        if ((v instanceof Map || v instanceof Iterable) && !open.add(v)) {
            throw new JsonError("tojson: circular reference detected (a value contains itself)");
        }
        try {
            writeValue(v, sb, level);
        } finally {
            if (v instanceof Map || v instanceof Iterable) {
                open.remove(v);
            }
        }
    }

    private void writeValue(Object v, StringBuilder sb, int level) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof CharSequence s) {
            string(s.toString(), sb);
        } else if (v instanceof Double || v instanceof Float) {
            sb.append(floatRepr(((Number) v).doubleValue()));
        } else if (v instanceof BigDecimal d) {
            sb.append(floatRepr(d.doubleValue()));
        } else if (v instanceof Number n) {
            sb.append(n instanceof BigInteger ? n.toString() : Long.toString(n.longValue()));
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append('{');
            Iterable<? extends Map.Entry<?, ?>> entries = m.entrySet();
            if (sortKeys) {
                entries = new java.util.TreeMap<Object, Object>(m).entrySet();
            }
            boolean first = true;
            for (Map.Entry<?, ?> e : entries) {
                if (!first) {
                    sb.append(itemSeparator);
                }
                first = false;
                newline(sb, level + 1);
                string(String.valueOf(e.getKey()), sb);
                sb.append(keySeparator);
                write(e.getValue(), sb, level + 1);
            }
            newline(sb, level);
            sb.append('}');
        } else if (v instanceof Iterable<?> it) {
            java.util.Iterator<?> i = it.iterator();
            if (!i.hasNext()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            boolean first = true;
            while (i.hasNext()) {
                if (!first) {
                    sb.append(itemSeparator);
                }
                first = false;
                newline(sb, level + 1);
                write(i.next(), sb, level + 1);
            }
            newline(sb, level);
            sb.append(']');
        } else if (v instanceof Object[] a) {
            write(java.util.Arrays.asList(a), sb, level);
        } else {
            string(v.toString(), sb);
        }
    }

    private void newline(StringBuilder sb, int level) {
        if (indent != null) {
            if (sb.length() + (long) indent.length() * level > maxLength) {
                throw new JsonError("tojson: the JSON is longer than " + maxLength + " characters");
            }
            sb.append('\n');
            sb.append(indent.repeat(level));
        }
    }

    /** A JSON string as Python writes it with ensure_ascii=False. */
    static void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Python's {@code repr(float)}: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = bd.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - bd.scale(); // decimal exponent of the first digit
        String sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        String plain = bd.abs().toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }
}
