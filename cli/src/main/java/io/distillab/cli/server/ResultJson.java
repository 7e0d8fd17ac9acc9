package io.distillab.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.core.analysis.AnalysisOptions;
import io.distillab.core.analysis.AnalysisResult;
import io.distillab.core.analysis.DirectionalTest;
import io.distillab.core.analysis.FamilyView;
import io.distillab.core.analysis.Scores;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the analysis JSON that metrics-service answers (core's AnalysisJson shape, plus
 * {@code rps}) back into core's result types, so that the CLI prints and renders a server's
 * analysis with the same code as its own.
 */
public final class ResultJson {

    /** The result and the optional views; {@code json} is the server's text, verbatim. */
    public record Parsed(AnalysisResult result, DirectionalTest.Result directional,
                         Map<String, FamilyView.Row> families, String json, Map<String, Double> rps) {
    }

    private ResultJson() {
    }

    /** @param options the options the analysis ran with (the JSON does not repeat them) */
    public static Parsed read(String json, AnalysisOptions options) throws IOException {
        JsonNode root = MetricsServerClient.JSON.readTree(json);
        List<String> models = new ArrayList<>();
        root.path("models").forEach(m -> models.add(m.asText()));
        List<AnalysisResult.PairResult> pairs = new ArrayList<>();
        Map<String, Double> rps = new LinkedHashMap<>();
        for (JsonNode p : root.path("pairs")) {
            if (p.hasNonNull("rps")) {
                rps.put(p.get("a").asText() + "\u0000" + p.get("b").asText(), p.get("rps").asDouble());
            }
            Scores s = new Scores(number(p.get("ags")), number(p.get("s_node")), p.path("s_seq").asDouble(),
                    p.path("s_dep").asDouble(), number(p.get("ged")));
            Map<String, double[]> ci = null;
            if (p.hasNonNull("ci")) {
                ci = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : iterable(p.get("ci"))) {
                    ci.put(e.getKey(), array(e.getValue()));
                }
            }
            Boolean gedExact = p.hasNonNull("ged_exact") ? p.get("ged_exact").asBoolean() : null;
            pairs.add(new AnalysisResult.PairResult(p.get("a").asText(), p.get("b").asText(), p.path("tasks").asInt(),
                    s, gedExact, ci));
        }
        Map<String, AnalysisResult.ModelFeatures> features = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : iterable(root.path("features"))) {
            features.put(e.getKey(), new AnalysisResult.ModelFeatures(array(e.getValue().get("f_seq")),
                    array(e.getValue().get("f_dep"))));
        }
        AnalysisResult result = new AnalysisResult(models, pairs, features, options);
        return new Parsed(result, directional(root.get("directional")), families(root.get("families")), json, rps);
    }

    private static DirectionalTest.Result directional(JsonNode d) {
        if (d == null || d.isNull()) {
            return null;
        }
        Map<String, DirectionalTest.Direction> by = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : iterable(d)) {
            JsonNode x = e.getValue();
            if (x.isObject()) {
                by.put(e.getKey(), new DirectionalTest.Direction(number(x.get("d_teacher")), number(x.get("d_control")),
                        number(x.get("difference")), array(x.get("ci")), x.path("verdict").asText()));
            }
        }
        return new DirectionalTest.Result(d.path("student_before").asText(), d.path("student_after").asText(),
                d.path("teacher").asText(), d.path("control").asText(), d.path("tasks").asInt(),
                d.path("resamples").asInt(), by);
    }

    private static Map<String, FamilyView.Row> families(JsonNode f) {
        if (f == null || f.isNull()) {
            return null;
        }
        Map<String, FamilyView.Row> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : iterable(f)) {
            JsonNode r = e.getValue();
            out.put(e.getKey(), new FamilyView.Row(number(r.get("within")), r.path("within_pairs").asInt(),
                    number(r.get("cross")), r.path("cross_pairs").asInt()));
        }
        return out;
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode n) {
        return n::fields;
    }

    private static Double number(JsonNode n) {
        return n == null || n.isNull() ? null : n.asDouble();
    }

    private static double[] array(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asDouble();
        }
        return out;
    }
}
