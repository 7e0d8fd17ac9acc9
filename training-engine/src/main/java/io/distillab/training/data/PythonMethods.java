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
                return p.length == 1 ? anyOf(p[0], x -> s.startsWith(x)) : NONE;
            case "endswith":
                return p.length == 1 ? anyOf(p[0], x -> s.endsWith(x)) : NONE;
            case "strip":
                return p.length <= 1 ? rstrip(lstrip(s, chars(p)), chars(p)) : NONE;
            case "lstrip":
                return p.length <= 1 ? lstrip(s, chars(p)) : NONE;
            case "rstrip":
                return p.length <= 1 ? rstrip(s, chars(p)) : NONE;
            case "split":
                return p.length <= 2 ? split(s, p.length == 0 || p[0] == null ? null : p[0].toString(),
                        p.length == 2 ? ((Number) p[1]).intValue() : -1) : NONE;
            case "upper":
                return p.length == 0 ? s.toUpperCase(java.util.Locale.ROOT) : NONE;
            case "lower":
                return p.length == 0 ? s.toLowerCase(java.util.Locale.ROOT) : NONE;
            case "replace":
                return p.length == 2 ? s.replace(p[0].toString(), p[1].toString()) : NONE;
            case "find":
                return p.length == 1 ? (long) s.indexOf(p[0].toString()) : NONE;
            case "count":
                return p.length == 1 ? (long) count(s, p[0].toString()) : NONE;
            case "join":
                return p.length == 1 && p[0] instanceof Iterable<?> it ? join(s, it) : NONE;
            default:
                return NONE;
        }
    }

    private static String join(String sep, Iterable<?> it) {
        StringBuilder sb = new StringBuilder();
        boolean first = true;
        for (Object o : it) {
            if (!first) {
                sb.append(sep);
            }
            first = false;
            sb.append(o);
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

    private static boolean anyOf(Object prefixes, java.util.function.Predicate<String> test) {
        if (prefixes instanceof Iterable<?> it) {
            for (Object o : it) {
                if (test.test(o.toString())) {
                    return true;
                }
            }
            return false;
        }
        return test.test(prefixes.toString());
    }

    /** The characters to strip, or null for Python's default (white space). */
    private static String chars(Object[] p) {
        return p.length == 0 || p[0] == null ? null : p[0].toString();
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
            throw new IllegalArgumentException("empty separator");
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
