package io.distillab.core.graph;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.core.trajectory.SpecText;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * SPEC section 2's "values": the scalar leaves of a JSON document, strings trimmed, numbers in their
 * JSON text (integers as digits, other numbers as the shortest decimal that reads back the same
 * double, formatted as Python's {@code repr} does: {@code 1250.0}, {@code 1e+16}), booleans and
 * null left out, texts shorter than 3 code points dropped, each text once.
 */
public final class ArgumentValues {
    /** SPEC keeps texts of length 3 or more. */
    public static final int MIN_LENGTH = 3;

    private ArgumentValues() {
    }

    /** The values of a call's arguments, in first-seen order. */
    public static Set<String> of(JsonNode arguments) {
        Set<String> out = new LinkedHashSet<>();
        collect(arguments, out, true);
        return out;
    }

    /** Every scalar leaf taken like a value, without the length filter (for output matching). */
    public static Set<String> leaves(JsonNode json) {
        Set<String> out = new java.util.HashSet<>();
        collect(json, out, false);
        return out;
    }

    private static void collect(JsonNode n, Collection<String> out, boolean lengthFilter) {
        if (n == null) {
            return;
        }
        if (n.isContainerNode()) {
            for (JsonNode child : n) {
                collect(child, out, lengthFilter);
            }
            return;
        }
        String text;
        if (n.isTextual()) {
            text = SpecText.trim(n.textValue());
        } else if (n.isInt() || n.isLong()) {
            text = Long.toString(n.longValue()); // the digits, without a BigInteger per number
        } else if (n.isIntegralNumber()) {
            text = n.bigIntegerValue().toString();
        } else if (n.isNumber()) {
            text = pythonRepr(n.doubleValue());
        } else {
            return; // booleans, null
        }
        if (!lengthFilter || SpecText.length(text) >= MIN_LENGTH) {
            out.add(text);
        }
    }

    /**
     * The shortest decimal that reads back as {@code d}, in Python's {@code repr} layout: positional
     * when the decimal exponent lies in [-4, 16), with ".0" on integral values; else {@code d.ddde+XX}.
     */
    public static String pythonRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(d);
        BigDecimal shortest = exact;
        for (int p = 1; p <= 17; p++) {
            BigDecimal r = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
            if (r.doubleValue() == d) {
                shortest = r;
                break;
            }
        }
        String digits = shortest.unscaledValue().abs().toString();
        // strip trailing zeros of the digit string, adjusting the scale
        int scale = shortest.scale();
        int end = digits.length();
        while (end > 1 && digits.charAt(end - 1) == '0') {
            end--;
            scale--;
        }
        digits = digits.substring(0, end);
        int decpt = digits.length() - scale; // position of the decimal point relative to the digits
        StringBuilder sb = new StringBuilder();
        if (d < 0) {
            sb.append('-');
        }
        if (decpt > -4 && decpt <= 16) {
            if (decpt <= 0) {
                sb.append("0.");
                sb.append("0".repeat(-decpt));
                sb.append(digits);
            } else if (decpt >= digits.length()) {
                sb.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
            } else {
                sb.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
            }
        } else {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            int exp = decpt - 1;
            sb.append('e').append(exp < 0 ? '-' : '+');
            int a = Math.abs(exp);
            if (a < 10) {
                sb.append('0');
            }
            sb.append(a);
        }
        return sb.toString();
    }
}
