package io.distillab.training.train;

import io.distillab.training.loss.SpanType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * {@code loss.svg}: a self-contained SVG of a run's curves for a person to look at. The top panel
 * holds loss, kl and ce (SPEC 6's weighted sums) and, when rows are held out, the held-out loss as
 * dots joined by a line; the bottom one the unweighted per-span means of the training batches, KL
 * dashed and CE solid, one colour per span type, and the held-out rows' means as dots of the same
 * colours (series that are 0 throughout are left out). Both panels share the step axis; each has
 * its own value axis from 0.
 */
public final class LossChart {
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 700;
    private static final int LEFT = 80;
    private static final int RIGHT = 200;
    private static final int MAX_POINTS = 2000;
    private static final String[] SPAN_COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#7f7f7f"};

    /** One curve: (step, value) points; a point whose value is not finite is left out. */
    private record Curve(String label, String colour, boolean dashed, double width, boolean dots, long[] x, double[] y) {
        static Curve of(String label, String colour, boolean dashed, double width, List<StepMetrics> steps,
                        ToDoubleFunction<StepMetrics> value) {
            long[] x = new long[steps.size()];
            double[] y = new double[steps.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = steps.get(i).step();
                y[i] = value.applyAsDouble(steps.get(i));
            }
            return new Curve(label, colour, dashed, width, false, x, y);
        }

        boolean allZero() {
            for (double v : y) {
                if (v != 0) {
                    return false;
                }
            }
            return true;
        }
    }

    private LossChart() {
    }

    public static String render(List<StepMetrics> steps, String title) {
        return render(steps, List.of(), title);
    }

    public static String render(List<StepMetrics> steps, List<EvalMetrics> evals, String title) {
        List<Curve> totals = new ArrayList<>(List.of(
                Curve.of("loss", "#000000", false, 2.5, steps, StepMetrics::loss),
                Curve.of("kl", "#9467bd", true, 1.5, steps, StepMetrics::kl),
                Curve.of("ce", "#ff7f0e", false, 1.5, steps, StepMetrics::ce)));
        if (!evals.isEmpty()) {
            long[] x = new long[evals.size()];
            double[] y = new double[evals.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = evals.get(i).step();
                y[i] = evals.get(i).loss();
            }
            totals.add(new Curve("held-out loss", "#17becf", false, 2, true, x, y));
        }
        List<Curve> spans = new ArrayList<>();
        for (SpanType k : SpanType.values()) {
            int code = k.code();
            Curve kl = Curve.of(k.key() + " KL", SPAN_COLOURS[code], true, 1.5, steps, m -> m.spanKl()[code]);
            Curve ce = Curve.of(k.key() + " CE", SPAN_COLOURS[code], false, 1.5, steps, m -> m.spanCe()[code]);
            for (Curve c : List.of(kl, ce)) {
                if (!c.allZero()) {
                    spans.add(c);
                }
            }
        }
        for (SpanType k : SpanType.values()) { // the held-out means: dots of the span's colour
            int code = k.code();
            for (boolean isKl : new boolean[] {true, false}) {
                long[] x = new long[evals.size()];
                double[] y = new double[evals.size()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = evals.get(i).step();
                    y[i] = isKl ? evals.get(i).spanKl()[code] : evals.get(i).spanCe()[code];
                }
                Curve c = new Curve("held-out " + k.key() + (isKl ? " KL" : " CE"), SPAN_COLOURS[code], isKl, 1, true,
                        x, y);
                if (x.length > 0 && !c.allZero()) {
                    spans.add(c);
                }
            }
        }
        StringBuilder svg = new StringBuilder(64 * 1024);
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                .append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n")
                .append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n")
                .append("<text x=\"").append(WIDTH / 2).append("\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">")
                .append(escape(title)).append("</text>\n");
        long firstStep = Long.MAX_VALUE;
        long lastStep = Long.MIN_VALUE;
        for (Curve c : totals) {
            for (long x : c.x()) {
                firstStep = Math.min(firstStep, x);
                lastStep = Math.max(lastStep, x);
            }
        }
        if (firstStep > lastStep) {
            firstStep = 1;
            lastStep = 1;
        }
        panel(svg, totals, "loss, kl, ce", 50, 300, firstStep, lastStep, false);
        panel(svg, spans, "per span (unweighted means; dots: held-out)", 380, 620, firstStep, lastStep, true);
        return svg.append("</svg>\n").toString();
    }

    private static void panel(StringBuilder svg, List<Curve> curves, String heading, int top, int bottom,
                              long firstStep, long lastStep, boolean stepLabel) {
        int right = WIDTH - RIGHT;
        double max = 0;
        for (Curve c : curves) {
            for (double v : c.y()) {
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
        int legendY = top + 14;
        for (Curve c : curves) {
            int n = c.x().length;
            int stride = Math.max(1, (n + MAX_POINTS - 1) / MAX_POINTS);
            StringBuilder points = new StringBuilder();
            StringBuilder dots = new StringBuilder();
            for (int i = 0; i < n; i += stride) {
                point(points, dots, c, i, xMin, xMax, yMax, top, bottom, right);
            }
            if (n > 0 && (n - 1) % stride != 0) {
                point(points, dots, c, n - 1, xMin, xMax, yMax, top, bottom, right);
            }
            String dash = c.dashed() ? " stroke-dasharray=\"6 4\"" : "";
            svg.append("<polyline fill=\"none\" stroke=\"").append(c.colour()).append("\" stroke-width=\"")
                    .append(c.width()).append('"').append(dash).append(" points=\"").append(points).append("\"/>\n");
            svg.append(dots);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%s\"%s/>"
                            + "<text x=\"%d\" y=\"%d\">%s</text>\n", right + 14, legendY - 4, right + 44, legendY - 4,
                    c.colour(), c.width(), dash, right + 50, legendY, escape(c.label())));
            legendY += 18;
        }
    }

    private static void point(StringBuilder points, StringBuilder dots, Curve c, int i, double xMin, double xMax,
                              double yMax, int top, int bottom, int right) {
        double v = c.y()[i];
        if (!Double.isFinite(v)) {
            return;
        }
        double x = LEFT + (c.x()[i] - xMin) / (xMax - xMin) * (right - LEFT);
        double y = bottom - Math.min(1, v / yMax) * (bottom - top);
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        if (c.dots()) {
            dots.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n",
                    x, y, c.colour()));
        }
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
