package io.distillab.core.trajectory;

/** Text rules SPEC states once and uses everywhere. */
public final class SpecText {
    private SpecText() {
    }

    /**
     * SPEC's "trimmed": spaces, tabs, CR and LF removed at both ends, and nothing else (unlike
     * {@link String#strip()}, which also removes other Unicode white space).
     */
    public static String trim(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isTrimmed(s.charAt(start))) {
            start++;
        }
        while (end > start && isTrimmed(s.charAt(end - 1))) {
            end--;
        }
        return start == 0 && end == s.length() ? s : s.substring(start, end);
    }

    private static boolean isTrimmed(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    /** The generic error rule: the trimmed output starts with "Error", ignoring case. */
    public static boolean looksLikeError(String output) {
        if (output == null) {
            return false;
        }
        String t = trim(output);
        return t.regionMatches(true, 0, "Error", 0, 5);
    }

    /** Length in Unicode code points, as SPEC's "length" of a text (not UTF-16 units). */
    public static int length(String s) {
        return s.codePointCount(0, s.length());
    }
}
