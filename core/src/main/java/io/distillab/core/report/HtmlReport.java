package io.distillab.core.report;

import io.distillab.core.analysis.AnalysisResult;
import io.distillab.core.analysis.Scores;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained HTML page (inline SVG and CSS, no script, nothing fetched) for an analysis:
 * heatmaps of the pairwise matrix, per-feature bars of each model's habits, and the pair table.
 * Elements carry {@code data-*} attributes (model names, metric, value) so tests and tools can read
 * what is drawn.
 */
public final class HtmlReport {
    private static final String[] FEATURE_NAMES = {"write-then-verify", "pre-write confirmation", "error retry",
        "output reuse", "chain depth", "fan-out"};
    private static final String[] PALETTE = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
        "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

    private HtmlReport() {
    }

    public static String render(AnalysisResult r, String title) {
        StringBuilder h = new StringBuilder(32_768);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(esc(title)).append("</title><style>").append(CSS).append("</style></head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        h.append("<p class=\"meta\">").append(r.models().size()).append(" models · ").append(r.pairs().size())
                .append(" pairs (diagonal included) · AGS weights ")
                .append(fmt(r.options().wNode())).append(" / ").append(fmt(r.options().wSeq())).append(" / ")
                .append(fmt(r.options().wDep())).append(" (node / seq / dep)")
                .append(r.options().bootstrap() > 0 ? " · 95% bootstrap intervals from " + r.options().bootstrap()
                        + " resamples over tasks" : "")
                .append("</p>\n");
        h.append("<p class=\"note\">AGS compares how two agents use tools, excluding the tools every successful "
                + "run needs (S_node), their sequencing habits (S_seq) and how they reuse tool outputs (S_dep). "
                + "On the diagonal, S_node and GED measure consistency across a model's own trials.</p>\n");
        h.append("<div class=\"maps\">");
        heatmap(h, r, "ags", "AGS");
        heatmap(h, r, "s_node", "S_node (optional-tool agreement)");
        heatmap(h, r, "s_seq", "S_seq");
        heatmap(h, r, "s_dep", "S_dep");
        if (r.options().ged()) {
            heatmap(h, r, "ged", "GED similarity (baseline)");
        }
        h.append("</div>\n");
        features(h, r);
        table(h, r);
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void heatmap(StringBuilder h, AnalysisResult r, String metric, String caption) {
        List<String> models = r.models();
        int n = models.size();
        int cell = Math.max(22, Math.min(56, 640 / Math.max(1, n)));
        int label = 8 + 7 * models.stream().mapToInt(String::length).max().orElse(4);
        label = Math.min(label, 220);
        int size = label + n * cell;
        h.append("<figure class=\"heatmap\"><figcaption>").append(esc(caption)).append("</figcaption>");
        h.append("<svg id=\"heatmap-").append(metric).append("\" data-metric=\"").append(metric)
                .append("\" data-models=\"").append(esc(String.join("|", models))).append("\" width=\"").append(size + 60)
                .append("\" height=\"").append(size + 40).append("\" role=\"img\" aria-label=\"")
                .append(esc(caption)).append(" matrix\">");
        for (int i = 0; i < n; i++) {
            int y = label + i * cell + cell / 2 + 4;
            h.append("<text class=\"row-label\" x=\"").append(label - 6).append("\" y=\"").append(y)
                    .append("\" text-anchor=\"end\">").append(esc(models.get(i))).append("</text>");
            int x = label + i * cell + cell / 2 + 4;
            h.append("<text class=\"col-label\" transform=\"translate(").append(x).append(',').append(label - 6)
                    .append(") rotate(-60)\">").append(esc(models.get(i))).append("</text>");
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                Double v = r.pair(models.get(i), models.get(j)).scores().get(metric);
                int x = label + j * cell;
                int y = label + i * cell;
                h.append("<g><rect class=\"cell\" x=\"").append(x).append("\" y=\"").append(y).append("\" width=\"")
                        .append(cell - 1).append("\" height=\"").append(cell - 1).append("\" fill=\"")
                        .append(v == null ? "#e0e0e0" : color(v)).append("\" data-a=\"").append(esc(models.get(i)))
                        .append("\" data-b=\"").append(esc(models.get(j))).append("\" data-value=\"")
                        .append(v == null ? "null" : fmt(v)).append("\"><title>").append(esc(models.get(i)))
                        .append(" × ").append(esc(models.get(j))).append(": ").append(v == null ? "n/a" : fmt(v))
                        .append("</title></rect>");
                if (cell >= 30) {
                    h.append("<text class=\"value\" x=\"").append(x + cell / 2).append("\" y=\"").append(y + cell / 2 + 4)
                            .append("\" text-anchor=\"middle\" style=\"fill:").append(textColor(v))
                            .append("\">").append(v == null ? "–" : String.format(Locale.ROOT, "%.2f", v)).append("</text>");
                }
                h.append("</g>");
            }
        }
        legend(h, label, n * cell);
        h.append("</svg></figure>");
    }

    /** A colour bar under the matrix: 0 to 1 in the cells' scale. */
    private static void legend(StringBuilder h, int x0, int width) {
        int steps = 20;
        int y = x0 + width; // the matrix is square: its bottom edge is at label + n * cell
        h.append("<g class=\"legend\">");
        for (int i = 0; i < steps; i++) {
            h.append("<rect x=\"").append(x0 + i * width / steps).append("\" y=\"").append(y + 8)
                    .append("\" width=\"").append(width / steps + 1).append("\" height=\"8\" fill=\"")
                    .append(color((i + 0.5) / steps)).append("\"/>");
        }
        h.append("<text x=\"").append(x0).append("\" y=\"").append(y + 28).append("\">0</text><text x=\"")
                .append(x0 + width).append("\" y=\"").append(y + 28).append("\" text-anchor=\"end\">1</text></g>");
    }

    /** Light text on the dark end of the scale, dark text on the light end. */
    private static String textColor(Double v) {
        return v != null && v > 0.45 ? "#fff" : "#222";
    }

    private static void features(StringBuilder h, AnalysisResult r) {
        h.append("<h2>Behaviour features</h2><p class=\"note\">Each model's rates over all its trajectories: "
                + "S_seq compares the first three, S_dep the last three (cosine similarity).</p><div class=\"bars\">");
        List<String> models = r.models();
        int barH = 16;
        int label = Math.min(220, 8 + 7 * models.stream().mapToInt(String::length).max().orElse(4));
        int width = 260;
        for (int f = 0; f < FEATURE_NAMES.length; f++) {
            int height = models.size() * (barH + 4) + 8;
            h.append("<figure class=\"feature\"><figcaption>").append(FEATURE_NAMES[f]).append("</figcaption>")
                    .append("<svg class=\"feature-bars\" data-feature=\"").append(FEATURE_NAMES[f]).append("\" width=\"")
                    .append(label + width + 50).append("\" height=\"").append(height).append("\">");
            for (int m = 0; m < models.size(); m++) {
                AnalysisResult.ModelFeatures mf = r.features().get(models.get(m));
                double v = f < 3 ? mf.fSeq()[f] : mf.fDep()[f - 3];
                int y = 4 + m * (barH + 4);
                h.append("<text x=\"").append(label - 6).append("\" y=\"").append(y + barH - 4)
                        .append("\" text-anchor=\"end\">").append(esc(models.get(m))).append("</text>")
                        .append("<rect class=\"bar\" x=\"").append(label).append("\" y=\"").append(y).append("\" width=\"")
                        .append(Math.max(1, (int) Math.round(v * width))).append("\" height=\"").append(barH)
                        .append("\" fill=\"").append(PALETTE[m % PALETTE.length]).append("\" data-model=\"")
                        .append(esc(models.get(m))).append("\" data-value=\"").append(fmt(v)).append("\"/>")
                        .append("<text x=\"").append(label + (int) Math.round(v * width) + 4).append("\" y=\"")
                        .append(y + barH - 4).append("\">").append(String.format(Locale.ROOT, "%.3f", v)).append("</text>");
            }
            h.append("</svg></figure>");
        }
        h.append("</div>\n");
    }

    private static void table(StringBuilder h, AnalysisResult r) {
        boolean ci = r.options().bootstrap() > 0;
        h.append("<h2>Pairs</h2><table><thead><tr><th>A</th><th>B</th><th>tasks</th><th>AGS</th>")
                .append(ci ? "<th>AGS 95% CI</th>" : "")
                .append("<th>S_node</th><th>S_seq</th><th>S_dep</th>")
                .append(r.options().ged() ? "<th>GED sim</th><th>exact</th>" : "").append("</tr></thead><tbody>");
        for (AnalysisResult.PairResult p : r.pairs()) {
            Scores s = p.scores();
            h.append("<tr").append(p.a().equals(p.b()) ? " class=\"diag\"" : "").append("><td>").append(esc(p.a()))
                    .append("</td><td>").append(esc(p.b())).append("</td><td>").append(p.tasks()).append("</td><td>")
                    .append(cell(s.ags())).append("</td>");
            if (ci) {
                double[] iv = p.ci() == null ? null : p.ci().get("ags");
                h.append("<td>").append(iv == null ? "–" : "[" + fmt3(iv[0]) + ", " + fmt3(iv[1]) + "]").append("</td>");
            }
            h.append("<td>").append(cell(s.sNode())).append("</td><td>").append(cell(s.sSeq())).append("</td><td>")
                    .append(cell(s.sDep())).append("</td>");
            if (r.options().ged()) {
                h.append("<td>").append(cell(s.ged())).append("</td><td>")
                        .append(s.ged() == null ? "–" : Boolean.TRUE.equals(p.gedExact()) ? "exact" : "bound")
                        .append("</td>");
            }
            h.append("</tr>");
        }
        h.append("</tbody></table>\n");
    }

    /** A perceptual (viridis-like) colour for a value in [0,1]. */
    static String color(double v) {
        double[][] stops = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
        double t = Math.max(0, Math.min(1, v)) * (stops.length - 1);
        int i = Math.min((int) t, stops.length - 2);
        double f = t - i;
        // low similarity light, high dark: reverse the ramp
        double[] a = stops[stops.length - 1 - i];
        double[] b = stops[stops.length - 2 - i];
        return String.format(Locale.ROOT, "#%02x%02x%02x", (int) Math.round(a[0] + f * (b[0] - a[0])),
                (int) Math.round(a[1] + f * (b[1] - a[1])), (int) Math.round(a[2] + f * (b[2] - a[2])));
    }

    private static String cell(Double v) {
        return v == null ? "–" : fmt3(v);
    }

    private static String fmt3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }

    public static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px 32px;color:#222}
            h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px}
            .meta{color:#555;margin:0 0 8px}.note{color:#666;max-width:820px}
            .maps{display:flex;flex-wrap:wrap;gap:18px}.bars{display:flex;flex-wrap:wrap;gap:12px}
            figure{margin:0;border:1px solid #e4e4e4;border-radius:6px;padding:8px 10px;background:#fcfcfc}
            figcaption{font-weight:600;margin-bottom:4px}
            svg text{font-size:11px;fill:#333}svg text.value{font-size:10px}
            rect.cell:hover{stroke:#000;stroke-width:1.5}
            table{border-collapse:collapse;margin-top:6px}th,td{padding:3px 9px;border-bottom:1px solid #eee;text-align:right}
            th:nth-child(-n+2),td:nth-child(-n+2){text-align:left}tr.diag td{color:#777}thead th{background:#f3f3f3}
            """;
}
