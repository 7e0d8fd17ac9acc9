package io.distillab.trainer.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.training.train.EvalMetrics;
import io.distillab.training.train.LossChart;
import io.distillab.training.train.StepMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job's loss curves so far: per step the loss, KL and CE, and the KL and CE means of each span
 * type (unweighted, SPEC 8), read from the stored metrics lines; and, when the job holds rows out
 * ({@code evalFraction}), the same numbers of each evaluation of the held-out rows, read from the
 * engine's {@code eval.jsonl}. A value the engine did not report for a step is NaN (written as null).
 */
public final class LossCurve {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String[] TOTALS = {"loss", "kl", "ce"};

    private final long[] steps;
    /** "loss", "kl", "ce", and "reason.kl", "reason.ce", ... for each span type. */
    private final Map<String, double[]> series = new LinkedHashMap<>();

    private final List<EvalMetrics> heldOut;

    public LossCurve(List<String> metricsLines) {
        this(metricsLines, List.of());
    }

    /** @param evalLines eval.jsonl's lines; one that is not whole (being written) is left out */
    public LossCurve(List<String> metricsLines, List<String> evalLines) {
        heldOut = evalLines.stream().map(EvalMetrics::parse).filter(java.util.Objects::nonNull).toList();
        int n = metricsLines.size();
        steps = new long[n];
        for (String t : TOTALS) {
            series.put(t, new double[n]);
        }
        for (String span : StepRecord.SPANS) {
            series.put(span + ".kl", new double[n]);
            series.put(span + ".ce", new double[n]);
        }
        for (int i = 0; i < n; i++) {
            JsonNode line;
            try {
                line = JSON.readTree(metricsLines.get(i));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            steps[i] = line.path("step").asLong();
            for (String t : TOTALS) {
                series.get(t)[i] = number(line.path(t));
            }
            for (String span : StepRecord.SPANS) {
                series.get(span + ".kl")[i] = number(line.path("spans").path(span).path("kl"));
                series.get(span + ".ce")[i] = number(line.path("spans").path(span).path("ce"));
            }
        }
    }

    /**
     * The curves as the engine's own {@code loss.svg} draws them (the same chart a CLI run writes):
     * loss, KL and CE, and the per-span means.
     */
    public String svg(String title) {
        List<StepMetrics> steps = new java.util.ArrayList<>(this.steps.length);
        for (int i = 0; i < this.steps.length; i++) {
            double[] kl = new double[StepRecord.SPANS.length];
            double[] ce = new double[StepRecord.SPANS.length];
            for (int k = 0; k < kl.length; k++) {
                kl[k] = series.get(StepRecord.SPANS[k] + ".kl")[i];
                ce[k] = series.get(StepRecord.SPANS[k] + ".ce")[i];
            }
            steps.add(new StepMetrics(this.steps[i], series.get("loss")[i], series.get("kl")[i], series.get("ce")[i],
                    Double.NaN, Double.NaN, 0, Double.NaN, kl, ce));
        }
        return LossChart.render(steps, heldOut, title);
    }

    private static double number(JsonNode n) {
        return n.isNumber() ? n.asDouble() : Double.NaN;
    }

    /** The latest evaluation of the held-out rows, or null. */
    public EvalMetrics lastHeldOut() {
        return heldOut.isEmpty() ? null : heldOut.get(heldOut.size() - 1);
    }

    public long[] steps() {
        return steps.clone();
    }

    public int size() {
        return steps.length;
    }

    /** One series: "loss", "kl", "ce" or "SPAN.kl" / "SPAN.ce". */
    public double[] series(String name) {
        double[] s = series.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no series " + name);
        }
        return s.clone();
    }

    /** {@code {"steps": [...], "loss": [...], "kl": [...], "ce": [...], "spans": {"reason": {"kl": [...], "ce": [...]}, ...}}}. */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        var s = o.putArray("steps");
        for (long step : steps) {
            s.add(step);
        }
        for (String t : TOTALS) {
            fill(o.putArray(t), series.get(t));
        }
        ObjectNode spans = o.putObject("spans");
        for (String span : StepRecord.SPANS) {
            ObjectNode sp = spans.putObject(span);
            fill(sp.putArray("kl"), series.get(span + ".kl"));
            fill(sp.putArray("ce"), series.get(span + ".ce"));
        }
        if (!heldOut.isEmpty()) {
            ObjectNode h = o.putObject("heldOut");
            var s2 = h.putArray("steps");
            heldOut.forEach(e -> s2.add(e.step()));
            fill(h.putArray("loss"), heldOut.stream().mapToDouble(EvalMetrics::loss).toArray());
            fill(h.putArray("kl"), heldOut.stream().mapToDouble(EvalMetrics::kl).toArray());
            fill(h.putArray("ce"), heldOut.stream().mapToDouble(EvalMetrics::ce).toArray());
            ObjectNode hs = h.putObject("spans");
            for (int k = 0; k < StepRecord.SPANS.length; k++) {
                int code = k;
                ObjectNode sp = hs.putObject(StepRecord.SPANS[k]);
                fill(sp.putArray("kl"), heldOut.stream().mapToDouble(e -> e.spanKl()[code]).toArray());
                fill(sp.putArray("ce"), heldOut.stream().mapToDouble(e -> e.spanCe()[code]).toArray());
            }
            h.put("rows", heldOut.get(0).rows());
        }
        return o;
    }

    private static void fill(com.fasterxml.jackson.databind.node.ArrayNode a, double[] v) {
        for (double x : v) {
            if (Double.isFinite(x)) {
                a.add(x);
            } else {
                a.addNull();
            }
        }
    }
}
