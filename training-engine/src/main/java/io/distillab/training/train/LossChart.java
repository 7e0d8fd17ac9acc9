package io.distillab.training.train;

import io.distillab.training.loss.SpanType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * {@code loss.svg}: a self-contained SVG of a run's curves for a person to look at. The top panel
 * holds loss, kl and ce (SPEC 6's weighted sums); the bottom one the unweighted per-span means,
 * KL dashed and CE solid, one colour per span type (series that are 0 throughout are left out).
 * Both panels share the step axis; each has its own value axis from 0.
 */
public final class LossChart {
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 700;
    private static final int LEFT = 80;
    private static final int RIGHT = 200;
    private static final int MAX_POINTS = 2000;
    private static final String[] SPAN_COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#7f7f7f"};

    private record Series(String label, String colour, boolean dashed, double width, ToDoubleFunction<StepMetrics> value) {
    }

    private LossChart() {
    }

    public static String render(List<StepMetrics> steps, String title) {
        List<Series> totals = List.of(
                new Series("loss", "#000000", false, 2.5, StepMetrics::loss),
                new Series("kl", "#9467bd", true, 1.5, StepMetrics::kl),
                new Series("ce", "#ff7f0e", false, 1.5, StepMetrics::ce));
        List<Series> spans = new ArrayList<>();
        for (SpanType k : SpanType.values()) {
            int code = k.code();
            spans.add(new Series(k.key() + " KL", SPAN_COLOURS[code], true, 1.5, m -> m.spanKl()[code]));
            spans.add(new Series(k.key() + " CE", SPAN_COLOURS[code], false, 1.5, m -> m.spanCe()[code]));
        }
        StringBuilder svg = new StringBuilder(64 * 1024);
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                .append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n")
                .append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n")
                .append("<text x=\"").append(WIDTH / 2).append("\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">")
                .append(escape(title)).append("</text>\n");
        long firstStep = steps.isEmpty() ? 1 : steps.get(0).step();
        long lastStep = steps.isEmpty() ? 1 : steps.get(steps.size() - 1).step();
        panel(svg, steps, totals, "loss, kl, ce", 50, 300, firstStep, lastStep, false);
        panel(svg, steps, nonZero(steps, spans), "per span (unweighted means)", 380, 620, firstStep, lastStep, true);
        return svg.append("</svg>\n").toString();
    }

    private static List<Series> nonZero(List<StepMetrics> steps, List<Series> all) {
        List<Series> out = new ArrayList<>();
        for (Series s : all) {
            if (steps.stream().anyMatch(m -> s.value().applyAsDouble(m) != 0)) {
                out.add(s);
            }
        }
        return out;
    }

    private static void panel(StringBuilder svg, List<StepMetrics> steps, List<Series> series, String heading, int top,
                              int bottom, long firstStep, long lastStep, boolean stepLabel) {
        int right = WIDTH - RIGHT;
        double max = 0;
        for (Series s : series) {
            for (StepMetrics m : steps) {
                double v = s.value().applyAsDouble(m);
                if (Double.isFinite(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        double[] yTicks = ticks(0, max > 0 ? max : 1);
        double yMax = yTicks[yTicks.length - 1];
        double[] xTicks = ticks(firstStep, Math.max(lastStep, firstStep + 1));
        double xMin = firstStep;
        double xMax = Math.max(lastStep, firstStep + 1);
        svg.append("<text x=\"").append(LEFT).append("\" y=\"").append(top - 8).append("\" font-weight=\"bold\">")
                .append(escape(heading)).append("</text>\n");
        for (double t : yTicks) {
            double y = bottom - (t / yMax) * (bottom - top);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", LEFT, y, right, y, LEFT - 6, y + 4, label(t)));
        }
        for (double t : xTicks) {
            if (t < xMin || t > xMax) {
                continue;
            }
            double x = LEFT + (t - xMin) / (xMax - xMin) * (right - LEFT);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e0e0e0\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, top, x, bottom, x, bottom + 16, label(t)));
        }
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#000000\"/>\n",
                LEFT, top, right - LEFT, bottom - top));
        if (stepLabel) {
            svg.append("<text x=\"").append((LEFT + right) / 2).append("\" y=\"").append(bottom + 36)
                    .append("\" text-anchor=\"middle\">step</text>\n");
        }
        int stride = Math.max(1, (steps.size() + MAX_POINTS - 1) / MAX_POINTS);
        int legendY = top + 14;
        for (Series s : series) {
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < steps.size(); i += stride) {
                point(points, steps.get(i), s, xMin, xMax, yMax, top, bottom, right);
            }
            if (!steps.isEmpty() && (steps.size() - 1) % stride != 0) {
                point(points, steps.get(steps.size() - 1), s, xMin, xMax, yMax, top, bottom, right);
            }
            String dash = s.dashed() ? " stroke-dasharray=\"6 4\"" : "";
            svg.append("<polyline fill=\"none\" stroke=\"").append(s.colour()).append("\" stroke-width=\"")
                    .append(s.width()).append('"').append(dash).append(" points=\"").append(points).append("\"/>\n");
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%s\"%s/>"
                            + "<text x=\"%d\" y=\"%d\">%s</text>\n", right + 14, legendY - 4, right + 44, legendY - 4,
                    s.colour(), s.width(), dash, right + 50, legendY, escape(s.label())));
            legendY += 18;
        }
    }

    private static void point(StringBuilder points, StepMetrics m, Series s, double xMin, double xMax, double yMax,
                              int top, int bottom, int right) {
        double v = s.value().applyAsDouble(m);
        if (!Double.isFinite(v)) {
            return;
        }
        double x = LEFT + (m.step() - xMin) / (xMax - xMin) * (right - LEFT);
        double y = bottom - Math.min(1, v / yMax) * (bottom - top);
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
    }

    /** Round tick values 1, 2 or 5 times a power of ten, from at most {@code from} to at least {@code to}. */
    static double[] ticks(double from, double to) {
        double raw = (to - from) / 5;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / magnitude <= 1 ? magnitude : raw / magnitude <= 2 ? 2 * magnitude
                : raw / magnitude <= 5 ? 5 * magnitude : 10 * magnitude;
        double first = Math.floor(from / step) * step;
        int n = (int) Math.ceil((to - first) / step - 1e-9) + 1;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = first + i * step;
        }
        return out;
    }

    private static String label(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.4g", v).replaceAll("\\.?0+$", "");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
