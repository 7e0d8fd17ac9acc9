package io.distillab.training.data;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The Python methods chat templates call on strings and dicts ({@code content.startswith(...)},
 * {@code .split('</think>')}, {@code .lstrip('\n')}, {@code tool.items()}), which jinja2 has because
 * its values are Python objects and jinjava has not (its strings are {@link String}s, whose
 * {@code split} even takes a regular expression). Placed before jinjava's own resolver.
 */
final class PythonMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(method instanceof String name)) {
            return null;
        }
        Object[] p = params == null ? new Object[0] : params;
        Object result;
        if (base instanceof String s) {
            result = stringMethod(s, name, p);
        } else if (base instanceof Map<?, ?> m) {
            result = mapMethod(m, name, p);
        } else {
            return null;
        }
        if (result == NONE) {
            return null;
        }
        context.setPropertyResolved(true);
        return result;
    }

    private static final Object NONE = new Object();

    private static Object stringMethod(String s, String name, Object[] p) {
        switch (name) {
            case "startswith":
                return p.length == 1 ? anyOf(p[0], name, x -> s.startsWith(x)) : NONE;
            case "endswith":
                return p.length == 1 ? anyOf(p[0], name, x -> s.endsWith(x)) : NONE;
            case "strip":
                return p.length <= 1 ? rstrip(lstrip(s, chars(p, name)), chars(p, name)) : NONE;
            case "lstrip":
                return p.length <= 1 ? lstrip(s, chars(p, name)) : NONE;
            case "rstrip":
                return p.length <= 1 ? rstrip(s, chars(p, name)) : NONE;
            case "split":
                return p.length <= 2 ? split(s, p.length == 0 ? null : optionalStr(p[0], name),
                        p.length == 2 ? integer(p[1], name) : -1) : NONE;
            case "upper":
                return p.length == 0 ? s.toUpperCase(java.util.Locale.ROOT) : NONE;
            case "lower":
                return p.length == 0 ? s.toLowerCase(java.util.Locale.ROOT) : NONE;
            case "replace":
                return p.length == 2 ? replace(s, str(p[0], name), str(p[1], name)) : NONE;
            case "find":
                return p.length == 1 ? (long) s.indexOf(str(p[0], name)) : NONE;
            case "count":
                return p.length == 1 ? (long) count(s, str(p[0], name)) : NONE;
            case "join":
                return p.length == 1 ? join(s, p[0]) : NONE;
            default:
                return NONE;
        }
    }

    /**
     * What Python raises for a method called with arguments of the wrong type (TypeError) or a
     * result too big to build; jinjava reports it as the template's error, with its line. (Not an
     * IllegalArgumentException: jinjava takes that for "no such method" and drops the message.)
     */
    static final class PythonError extends RuntimeException {
        PythonError(String message) {
            super(message);
        }
    }

    private static String str(Object arg, String method) {
        if (arg instanceof CharSequence c) {
            return c.toString();
        }
        throw new PythonError(method + "() argument must be str, not " + pythonType(arg));
    }

    /** A string, or null for Python's None (where the method takes None for its default). */
    private static String optionalStr(Object arg, String method) {
        return arg == null ? null : str(arg, method);
    }

    private static int integer(Object arg, String method) {
        if (arg instanceof Long || arg instanceof Integer) {
            long n = ((Number) arg).longValue();
            return (int) Math.max(-1, Math.min(Integer.MAX_VALUE, n));
        }
        throw new PythonError(method + "() argument must be int, not " + pythonType(arg));
    }

    static String pythonType(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof CharSequence) {
            return "str";
        }
        if (o instanceof Boolean) {
            return "bool";
        }
        if (o instanceof Long || o instanceof Integer) {
            return "int";
        }
        if (o instanceof Number) {
            return "float";
        }
        if (o instanceof Map) {
            return "dict";
        }
        if (o instanceof Iterable) {
            return "list";
        }
        return o.getClass().getSimpleName();
    }

    /** Python's str.replace, refused when the result would be longer than a template may build. */
    private static String replace(String s, String old, String replacement) {
        long length = s.length() + (long) count(s, old) * (replacement.length() - old.length());
        if (length > ChatTemplate.MAX_TEXT_CHARS) {
            throw new PythonError("replace() would build a string of " + length
                    + " characters, more than " + ChatTemplate.MAX_TEXT_CHARS);
        }
        return s.replace(old, replacement); // with an empty old, before every character and at the end, as Python
    }

    private static String join(String sep, Object items) {
        if (!(items instanceof Iterable<?> it)) {
            throw new PythonError("join() can only join an iterable, not " + pythonType(items));
        }
        StringBuilder sb = new StringBuilder();
        boolean first = true;
        for (Object o : it) {
            if (!first) {
                sb.append(sep);
            }
            first = false;
            sb.append(str(o, "join"));
            if (sb.length() > ChatTemplate.MAX_TEXT_CHARS) {
                throw new PythonError("join() would build a string of more than "
                        + ChatTemplate.MAX_TEXT_CHARS + " characters");
            }
        }
        return sb.toString();
    }

    private static Object mapMethod(Map<?, ?> m, String name, Object[] p) {
        switch (name) {
            case "items": {
                List<List<Object>> items = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    items.add(java.util.Arrays.asList(e.getKey(), e.getValue()));
                }
                return items;
            }
            case "keys":
                return new ArrayList<>(m.keySet());
            case "values":
                return new ArrayList<>(m.values());
            case "get":
                if (p.length == 1 || p.length == 2) {
                    Object v = m.get(p[0]);
                    return v != null || m.containsKey(p[0]) ? v : p.length == 2 ? p[1] : null;
                }
                return NONE;
            default:
                return NONE;
        }
    }

    /** Python's startswith/endswith: one string or a tuple (here a list) of strings. */
    private static boolean anyOf(Object prefixes, String method, java.util.function.Predicate<String> test) {
        if (prefixes instanceof Iterable<?> it) {
            for (Object o : it) {
                if (test.test(str(o, method))) {
                    return true;
                }
            }
            return false;
        }
        return test.test(str(prefixes, method));
    }

    /** The characters to strip, or null for Python's default (white space). */
    private static String chars(Object[] p, String method) {
        return p.length == 0 ? null : optionalStr(p[0], method);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isPythonSpace(c) : chars.indexOf(c) >= 0;
    }

    /** Python's {@code str.isspace} for one UTF-16 unit. */
    static boolean isPythonSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f) || c == 0x85 || c == 0xa0
                || Character.isSpaceChar(c);
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && stripped(s.charAt(i), chars)) {
            i++;
        }
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int j = s.length();
        while (j > 0 && stripped(s.charAt(j - 1), chars)) {
            j--;
        }
        return s.substring(0, j);
    }

    private static List<String> split(String s, String sep, int maxSplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (i < s.length()) {
                while (i < s.length() && isPythonSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= s.length()) {
                    break;
                }
                if (maxSplit >= 0 && out.size() == maxSplit) {
                    out.add(rstrip(s.substring(i), null));
                    return out;
                }
                int j = i;
                while (j < s.length() && !isPythonSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new PythonError("split(): empty separator");
        }
        int from = 0;
        while (maxSplit < 0 || out.size() < maxSplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }
}
