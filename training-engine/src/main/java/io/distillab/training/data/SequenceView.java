package io.distillab.training.data;

import io.distillab.training.loss.SpanType;
import java.util.List;

/**
 * Prepared sequences made visible, as axolotl's preprocess debug view does: each token in the
 * colour of its span type, tokens that carry a label (SPEC 7: REASON or ACTION, and not the first
 * token of a window) underlined. For the terminal (ANSI) or as a self-contained HTML page.
 */
public final class SequenceView {
    private static final String[] ANSI = {
        "\u001b[32m", // REASON green
        "\u001b[31m", // ACTION red
        "\u001b[34m", // OBSERVATION blue
        "\u001b[90m", // OTHER grey
    };
    private static final String[] HTML_CLASS = {"r", "a", "o", "x"};

    private SequenceView() {
    }

    /** Whether token k of a sequence carries a label when cut into windows of {@code context}. */
    static boolean labelled(TokenizedSequence s, int k, int context) {
        byte t = s.types()[k];
        return k % context != 0 && (t == SpanType.REASON.code() || t == SpanType.ACTION.code());
    }

    /** The text of token k: the rendering between its start and the next token's. */
    static String tokenText(TokenizedSequence s, int k) {
        String text = s.rendered().text();
        int from = s.starts()[k];
        int to = k + 1 < s.length() ? s.starts()[k + 1] : text.length();
        return text.substring(Math.min(from, to), to);
    }

    public static String ansi(List<TokenizedSequence> sequences, int context, boolean truncate) {
        StringBuilder sb = new StringBuilder();
        sb.append(legendAnsi());
        for (int i = 0; i < sequences.size(); i++) {
            TokenizedSequence s = sequences.get(i);
            sb.append("\u001b[1m── sequence ").append(i).append(": ").append(s.source()).append(" · ")
                    .append(s.length()).append(" tokens · ").append(s.toolCalls()).append(" tool calls\u001b[0m\n");
            int shown = truncate ? Math.min(s.length(), context) : s.length();
            for (int k = 0; k < shown; k++) {
                if (k > 0 && k % context == 0) {
                    sb.append("\u001b[0m\u001b[7m[window ").append(k / context).append("]\u001b[0m");
                }
                sb.append(ANSI[s.types()[k]]);
                if (labelled(s, k, context)) {
                    sb.append("\u001b[4m");
                }
                sb.append(tokenText(s, k)).append("\u001b[0m");
            }
            if (shown < s.length()) {
                sb.append("\u001b[7m[cut by --truncate: ").append(s.length() - shown).append(" tokens]\u001b[0m");
            }
            sb.append("\n\n");
        }
        return sb.toString();
    }

    private static String legendAnsi() {
        StringBuilder sb = new StringBuilder();
        for (SpanType t : SpanType.values()) {
            sb.append(ANSI[t.code()]).append(t.name()).append("\u001b[0m  ");
        }
        return sb.append("\u001b[4mlabelled\u001b[0m\n\n").toString();
    }

    public static String html(List<TokenizedSequence> sequences, int context, boolean truncate, String title) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(escape(title)).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}\n")
                .append("pre{white-space:pre-wrap;word-break:break-word;font:13px/1.5 ui-monospace,monospace;")
                .append("border:1px solid #ddd;padding:.8em;border-radius:6px}\n")
                .append("span.t{border-radius:2px}\n")
                .append(".r{background:#d9f2d9}.a{background:#f9d0d0}.o{background:#d6e4fa}.x{background:#eee;color:#777}\n")
                .append(".l{text-decoration:underline;text-decoration-thickness:2px;text-underline-offset:3px}\n")
                .append(".w{background:#333;color:#fff;font-size:11px;padding:0 3px}\n")
                .append(".legend span{display:inline-block;padding:2px 8px;margin-right:6px}\n")
                .append("</style></head><body>\n<h1>").append(escape(title)).append("</h1>\n<p class=\"legend\">");
        for (SpanType t : SpanType.values()) {
            sb.append("<span class=\"").append(HTML_CLASS[t.code()]).append("\">").append(t.name()).append("</span>");
        }
        sb.append("<span class=\"l\">labelled token</span> context ").append(context)
                .append(truncate ? ", truncated" : "").append("</p>\n");
        for (int i = 0; i < sequences.size(); i++) {
            TokenizedSequence s = sequences.get(i);
            sb.append("<h2>Sequence ").append(i).append("</h2><p>").append(escape(s.source())).append(" · ")
                    .append(s.length()).append(" tokens · ").append(s.toolCalls()).append(" tool calls</p>\n<pre>");
            int shown = truncate ? Math.min(s.length(), context) : s.length();
            for (int k = 0; k < shown; k++) {
                if (k > 0 && k % context == 0) {
                    sb.append("<span class=\"w\">window ").append(k / context).append("</span>");
                }
                String cls = HTML_CLASS[s.types()[k]] + (labelled(s, k, context) ? " l" : "");
                sb.append("<span class=\"t ").append(cls).append("\" title=\"").append(s.ids()[k]).append(' ')
                        .append(SpanType.values()[s.types()[k]].name()).append("\">")
                        .append(escape(tokenText(s, k))).append("</span>");
            }
            if (shown < s.length()) {
                sb.append("<span class=\"w\">cut by --truncate: ").append(s.length() - shown).append(" tokens</span>");
            }
            sb.append("</pre>\n");
        }
        return sb.append("</body></html>\n").toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
