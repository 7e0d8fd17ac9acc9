package io.distillab.core.report;

import io.distillab.core.analysis.AnalysisResult;
import io.distillab.core.analysis.ModelClustering;
import io.distillab.core.analysis.Scores;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained HTML page (inline SVG and CSS, no script, nothing fetched) for an analysis:
 * heatmaps of the pairwise matrix with models in the order of their AGS clustering and its dendrogram
 * beside the AGS map (who looks like whom), per-feature bars of each model's habits, and the pair
 * table. Model names are never shortened: label areas are sized for the longest name.
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
        ModelClustering.Dendrogram tree = ModelClustering.of(r, "ags");
        List<String> order = tree.order();
        h.append("<p class=\"note\">Models are ordered by hierarchical clustering of AGS (average linkage on "
                + "1 - AGS; a pair with no AGS counts as distance 1), drawn as the tree beside the AGS map: "
                + "models that join low in the tree behave alike.</p>\n");
        h.append("<div class=\"maps\">");
        heatmap(h, r, "ags", "AGS, with its clustering", order, tree);
        heatmap(h, r, "s_node", "S_node (optional-tool agreement)", order, null);
        heatmap(h, r, "s_seq", "S_seq", order, null);
        heatmap(h, r, "s_dep", "S_dep", order, null);
        if (r.options().ged()) {
            heatmap(h, r, "ged", "GED similarity (baseline)", order, null);
        }
        h.append("</div>\n");
        features(h, r, order);
        table(h, r);
        h.append("</body></html>\n");
        return h.toString();
    }

    /**
     * Estimated width of a label in px at the 11 px font of the page: generous (most sans-serif glyphs
     * are narrower), so that labels get the room they need and are never cut, however long the name.
     */
    static int labelWidth(List<String> names) {
        return 12 + (int) Math.ceil(6.6 * names.stream().mapToInt(String::length).max().orElse(4));
    }

    private static final int DENDROGRAM_WIDTH = 150;
    private static final int LEGEND_HEIGHT = 34;

    /**
     * One metric's matrix, rows and columns in the clustering's order. Row labels, "k  name", sit right
     * of the matrix, starting at its edge so that a long name grows away from the cells into room sized
     * for it; the matrix being symmetric, column k is labelled k alone (the name in its tooltip), which
     * keeps long names from making the map tall. With a dendrogram, it stands left of the rows, its
     * leaves level with them.
     */
    private static void heatmap(StringBuilder h, AnalysisResult r, String metric, String caption, List<String> models,
                                ModelClustering.Dendrogram tree) {
        int n = models.size();
        int cell = Math.max(22, Math.min(56, 640 / Math.max(1, n)));
        int label = labelWidth(models) + 7 * String.valueOf(n).length() + 8;
        int left = tree == null ? 8 : DENDROGRAM_WIDTH;
        int top = LEGEND_HEIGHT;
        int matrix = n * cell;
        int width = left + matrix + 6 + label + 8;
        int height = top + matrix + 22;
        h.append("<figure class=\"heatmap\"><figcaption>").append(esc(caption)).append("</figcaption>");
        h.append("<svg id=\"heatmap-").append(metric).append("\" data-metric=\"").append(metric)
                .append("\" data-models=\"").append(esc(String.join("|", models))).append("\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" role=\"img\" aria-label=\"")
                .append(esc(caption)).append(" matrix\">");
        legend(h, left, top - 30, matrix);
        if (tree != null) {
            dendrogram(h, tree, models, top, cell);
        }
        for (int i = 0; i < n; i++) {
            int y = top + i * cell + cell / 2 + 4;
            h.append("<text class=\"row-label\" x=\"").append(left + matrix + 6).append("\" y=\"").append(y)
                    .append("\" data-model=\"").append(esc(models.get(i))).append("\"><tspan class=\"index\">")
                    .append(i + 1).append("</tspan> ").append(esc(models.get(i))).append("</text>");
            int x = left + i * cell + cell / 2;
            h.append("<text class=\"col-label\" x=\"").append(x).append("\" y=\"").append(top + matrix + 14)
                    .append("\" text-anchor=\"middle\" data-model=\"").append(esc(models.get(i))).append("\">")
                    .append(i + 1).append("<title>").append(esc(models.get(i))).append("</title></text>");
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                Double v = r.pair(models.get(i), models.get(j)).scores().get(metric);
                int x = left + j * cell;
                int y = top + i * cell;
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
        h.append("</svg></figure>");
    }

    /**
     * The AGS dendrogram, drawn right to left: leaves at the right edge level with the matrix rows,
     * each merge a bracket at its height, the highest merge at the left edge.
     */
    private static void dendrogram(StringBuilder h, ModelClustering.Dendrogram tree, List<String> models, int top,
                                   int cell) {
        double[] pos = tree.positions();
        double[] height = tree.heights();
        double maxHeight = 0;
        for (double v : height) {
            maxHeight = Math.max(maxHeight, v);
        }
        double scale = maxHeight > 0 ? (DENDROGRAM_WIDTH - 22) / maxHeight : 0;
        int right = DENDROGRAM_WIDTH - 8;
        h.append("<g class=\"dendrogram\" data-order=\"").append(esc(String.join("|", models)))
                .append("\" data-max-height=\"").append(fmt(maxHeight)).append("\">");
        int n = tree.models().size();
        for (int k = 0; k < tree.merges().size(); k++) {
            ModelClustering.Merge m = tree.merges().get(k);
            double x = right - height[n + k] * scale;
            double y1 = top + pos[m.left()] * cell + cell / 2.0;
            double y2 = top + pos[m.right()] * cell + cell / 2.0;
            double x1 = right - height[m.left()] * scale;
            double x2 = right - height[m.right()] * scale;
            h.append("<path class=\"merge\" d=\"M").append(px(x1)).append(' ').append(px(y1)).append(" H")
                    .append(px(x)).append(" V").append(px(y2)).append(" H").append(px(x2))
                    .append("\" data-height=\"").append(fmt(m.height())).append("\" data-size=\"").append(m.size())
                    .append("\"><title>").append("merged at 1 - AGS = ").append(fmt3(m.height())).append("</title></path>");
        }
        h.append("<text class=\"axis\" x=\"").append(right).append("\" y=\"").append(top - 4)
                .append("\" text-anchor=\"end\">0</text><text class=\"axis\" x=\"").append(px(right - maxHeight * scale))
                .append("\" y=\"").append(top - 4).append("\">1 − AGS ").append(fmt3(maxHeight)).append("</text></g>");
    }

    private static String px(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** A colour bar above the matrix: 0 to 1 in the cells' scale. */
    private static void legend(StringBuilder h, int x0, int y, int width) {
        int steps = 20;
        h.append("<g class=\"legend\">");
        for (int i = 0; i < steps; i++) {
            h.append("<rect x=\"").append(x0 + i * width / steps).append("\" y=\"").append(y)
                    .append("\" width=\"").append(width / steps + 1).append("\" height=\"8\" fill=\"")
                    .append(color((i + 0.5) / steps)).append("\"/>");
        }
        h.append("<text x=\"").append(x0).append("\" y=\"").append(y + 20).append("\">0</text><text x=\"")
                .append(x0 + width).append("\" y=\"").append(y + 20).append("\" text-anchor=\"end\">1</text></g>");
    }

    /** Light text on the dark end of the scale, dark text on the light end. */
    private static String textColor(Double v) {
        return v != null && v > 0.45 ? "#fff" : "#222";
    }

    private static void features(StringBuilder h, AnalysisResult r, List<String> models) {
        h.append("<h2>Behaviour features</h2><p class=\"note\">Each model's rates over all its trajectories: "
                + "S_seq compares the first three, S_dep the last three (cosine similarity).</p><div class=\"bars\">");
        int barH = 16;
        int label = labelWidth(models);
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
            .maps{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}.bars{display:flex;flex-wrap:wrap;gap:12px}
            svg{overflow:visible}tspan.index{font-weight:600;fill:#777}path.merge{fill:none;stroke:#444;stroke-width:1.3}path.merge:hover{stroke:#d62728}
            figure{margin:0;border:1px solid #e4e4e4;border-radius:6px;padding:8px 10px;background:#fcfcfc}
            figcaption{font-weight:600;margin-bottom:4px}
            svg text{font-size:11px;fill:#333}svg text.value{font-size:10px}
            rect.cell:hover{stroke:#000;stroke-width:1.5}
            table{border-collapse:collapse;margin-top:6px}th,td{padding:3px 9px;border-bottom:1px solid #eee;text-align:right}
            th:nth-child(-n+2),td:nth-child(-n+2){text-align:left}tr.diag td{color:#777}thead th{background:#f3f3f3}
            """;
}
