package io.distillab.trainer.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The loss curves as one SVG image of three panels: loss, KL and CE over the steps; the KL mean of
 * each span type; the CE mean of each span type. Each curve is a {@code polyline} with
 * {@code data-series} and its point count in {@code data-points}, so a page test can check what is
 * drawn; series with no finite value (KL without a teacher) are left out of their panel.
 */
public final class LossChart {
    private static final int WIDTH = 900;
    private static final int PANEL_HEIGHT = 220;
    private static final int LEFT = 64;
    private static final int RIGHT = 150;
    private static final int TOP = 28;
    private static final int BOTTOM = 34;
    private static final String[] SPAN_COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#7f7f7f"};
    private static final String[] TOTAL_COLOURS = {"#000000", "#9467bd", "#ff7f0e"};

    private LossChart() {
    }

    public static String svg(LossCurve curve, String title) {
        StringBuilder b = new StringBuilder();
        int height = 3 * PANEL_HEIGHT;
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"loss-chart\" width=\"").append(WIDTH)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ')
                .append(height).append("\" font-family=\"sans-serif\" font-size=\"12\" data-steps=\"")
                .append(curve.size()).append("\">\n<title>").append(escape(title)).append("</title>\n")
                .append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        List<String[]> totals = new ArrayList<>();
        for (int i = 0; i < LossCurve.TOTALS.length; i++) {
            totals.add(new String[] {LossCurve.TOTALS[i], LossCurve.TOTALS[i], TOTAL_COLOURS[i]});
        }
        panel(b, curve, 0, "loss, KL and CE", totals);
        for (int p = 0; p < 2; p++) {
            String part = p == 0 ? "kl" : "ce";
            List<String[]> spans = new ArrayList<>();
            for (int i = 0; i < StepRecord.SPANS.length; i++) {
                spans.add(new String[] {StepRecord.SPANS[i] + "." + part, StepRecord.SPANS[i], SPAN_COLOURS[i]});
            }
            panel(b, curve, (p + 1) * PANEL_HEIGHT, (p == 0 ? "KL" : "CE") + " mean per span type", spans);
        }
        return b.append("</svg>\n").toString();
    }

    /** @param series name, legend label, colour */
    private static void panel(StringBuilder b, LossCurve curve, int y0, String title, List<String[]> series) {
        long[] steps = curve.steps();
        List<String[]> drawn = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (String[] s : series) {
            boolean any = false;
            for (double v : curve.series(s[0])) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                    any = true;
                }
            }
            if (any) {
                drawn.add(s);
            }
        }
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = PANEL_HEIGHT - TOP - BOTTOM;
        b.append("<g class=\"panel\" transform=\"translate(0,").append(y0).append(")\">\n")
                .append("<text x=\"").append(LEFT).append("\" y=\"18\" font-weight=\"bold\">").append(escape(title))
                .append("</text>\n")
                .append("<rect x=\"").append(LEFT).append("\" y=\"").append(TOP).append("\" width=\"").append(plotW)
                .append("\" height=\"").append(plotH).append("\" fill=\"none\" stroke=\"#bbbbbb\"/>\n");
        if (drawn.isEmpty() || steps.length == 0) {
            b.append("<text x=\"").append(LEFT + 10).append("\" y=\"").append(TOP + 20)
                    .append("\" fill=\"#888888\">no values yet</text>\n</g>\n");
            return;
        }
        if (hi - lo < 1e-12) {
            hi = lo + 1;
        }
        double first = steps[0];
        double span = Math.max(1, steps[steps.length - 1] - first);
        for (int tick = 0; tick <= 4; tick++) {
            double v = lo + (hi - lo) * tick / 4;
            double y = TOP + plotH - (v - lo) / (hi - lo) * plotH;
            b.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(fmt(y + 4))
                    .append("\" text-anchor=\"end\">").append(String.format(Locale.ROOT, "%.3g", v)).append("</text>\n");
        }
        b.append("<text x=\"").append(LEFT).append("\" y=\"").append(TOP + plotH + 16).append("\">step ")
                .append(steps[0]).append("</text>\n<text x=\"").append(LEFT + plotW).append("\" y=\"")
                .append(TOP + plotH + 16).append("\" text-anchor=\"end\">step ").append(steps[steps.length - 1])
                .append("</text>\n");
        int legendY = TOP + 10;
        for (String[] s : drawn) {
            double[] v = curve.series(s[0]);
            StringBuilder pts = new StringBuilder();
            int count = 0;
            for (int i = 0; i < v.length; i++) {
                if (!Double.isFinite(v[i])) {
                    continue;
                }
                double x = LEFT + (steps[i] - first) / span * plotW;
                double y = TOP + plotH - (v[i] - lo) / (hi - lo) * plotH;
                pts.append(fmt(x)).append(',').append(fmt(y)).append(' ');
                count++;
            }
            b.append("<polyline class=\"series\" data-series=\"").append(s[0]).append("\" data-points=\"")
                    .append(count).append("\" fill=\"none\" stroke=\"").append(s[2])
                    .append("\" stroke-width=\"1.5\" points=\"").append(pts.toString().strip()).append("\"/>\n");
            b.append("<line x1=\"").append(WIDTH - RIGHT + 12).append("\" x2=\"").append(WIDTH - RIGHT + 32)
                    .append("\" y1=\"").append(legendY).append("\" y2=\"").append(legendY).append("\" stroke=\"")
                    .append(s[2]).append("\" stroke-width=\"2\"/><text x=\"").append(WIDTH - RIGHT + 38)
                    .append("\" y=\"").append(legendY + 4).append("\">").append(s[1]).append("</text>\n");
            legendY += 18;
        }
        b.append("</g>\n");
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
