package io.distillab.core.report;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.distillab.core.analysis.AnalysisResult;
import io.distillab.core.analysis.DirectionalTest;
import io.distillab.core.analysis.FamilyView;
import io.distillab.core.analysis.Scores;
import io.distillab.core.judge.RpsCalculator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The JSON of an analysis, in exactly the shape {@code distillab analyze --json} and the service
 * promise: {@code {"models": [...], "pairs": [{a, b, tasks, ags, s_node, s_seq, s_dep, ged,
 * ged_exact, ci}], "features": {model: {f_seq, f_dep}}}}. The optional {@code directional} and
 * {@code families} members appear only when those views were asked for.
 */
public final class AnalysisJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private AnalysisJson() {
    }

    /**
     * Views beyond the matrix; any may be null. {@code rps}, by pair key {@link RpsCalculator#key}:
     * when set, every pair gets an {@code "rps"} member (null where no stage was shared) and, when
     * its interval was computed, {@code ci.rps}.
     */
    public record Extras(DirectionalTest.Result directional, Map<String, FamilyView.Row> families,
                         Map<String, RpsCalculator.PairRps> rps) {
        public static final Extras NONE = new Extras(null, null, null);

        public Extras(DirectionalTest.Result directional, Map<String, FamilyView.Row> families) {
            this(directional, families, null);
        }
    }

    public static String toJson(AnalysisResult r) {
        return toJson(r, Extras.NONE);
    }

    public static String toJson(AnalysisResult r, Extras extras) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(r, extras, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    public static void write(AnalysisResult r, Extras extras, OutputStream out) {
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeArrayFieldStart("models");
            for (String m : r.models()) {
                g.writeString(m);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("pairs");
            for (AnalysisResult.PairResult p : r.pairs()) {
                writePair(g, p, extras.rps() == null ? null
                        : extras.rps().getOrDefault(RpsCalculator.key(p.a(), p.b()), new RpsCalculator.PairRps(null, null)));
            }
            g.writeEndArray();
            g.writeObjectFieldStart("features");
            for (Map.Entry<String, AnalysisResult.ModelFeatures> e : r.features().entrySet()) {
                g.writeObjectFieldStart(e.getKey());
                writeArray(g, "f_seq", e.getValue().fSeq());
                writeArray(g, "f_dep", e.getValue().fDep());
                g.writeEndObject();
            }
            g.writeEndObject();
            if (extras.directional() != null) {
                writeDirectional(g, extras.directional());
            }
            if (extras.families() != null) {
                g.writeObjectFieldStart("families");
                for (Map.Entry<String, FamilyView.Row> e : extras.families().entrySet()) {
                    g.writeObjectFieldStart(e.getKey());
                    writeNumber(g, "within", e.getValue().within());
                    g.writeNumberField("within_pairs", e.getValue().withinPairs());
                    writeNumber(g, "cross", e.getValue().cross());
                    g.writeNumberField("cross_pairs", e.getValue().crossPairs());
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writePair(JsonGenerator g, AnalysisResult.PairResult p, RpsCalculator.PairRps rps)
            throws IOException {
        Scores s = p.scores();
        g.writeStartObject();
        g.writeStringField("a", p.a());
        g.writeStringField("b", p.b());
        g.writeNumberField("tasks", p.tasks());
        writeNumber(g, "ags", s.ags());
        writeNumber(g, "s_node", s.sNode());
        g.writeNumberField("s_seq", s.sSeq());
        g.writeNumberField("s_dep", s.sDep());
        writeNumber(g, "ged", s.ged());
        if (p.gedExact() == null) {
            g.writeNullField("ged_exact");
        } else {
            g.writeBooleanField("ged_exact", p.gedExact());
        }
        if (rps != null) {
            writeNumber(g, "rps", rps.value());
        }
        if (p.ci() == null) {
            g.writeNullField("ci");
        } else {
            g.writeObjectFieldStart("ci");
            for (Map.Entry<String, double[]> e : p.ci().entrySet()) {
                writeArray(g, e.getKey(), e.getValue());
            }
            if (rps != null && rps.ci() != null) {
                writeArray(g, "rps", rps.ci());
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void writeDirectional(JsonGenerator g, DirectionalTest.Result d) throws IOException {
        g.writeObjectFieldStart("directional");
        g.writeStringField("student_before", d.studentBefore());
        g.writeStringField("student_after", d.studentAfter());
        g.writeStringField("teacher", d.teacher());
        g.writeStringField("control", d.control());
        g.writeNumberField("tasks", d.tasks());
        g.writeNumberField("resamples", d.resamples());
        for (Map.Entry<String, DirectionalTest.Direction> e : d.byMetric().entrySet()) {
            DirectionalTest.Direction x = e.getValue();
            g.writeObjectFieldStart(e.getKey());
            writeNumber(g, "d_teacher", x.dT());
            writeNumber(g, "d_control", x.dC());
            writeNumber(g, "difference", x.difference());
            writeArray(g, "ci", x.ci());
            g.writeStringField("verdict", x.verdict());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void writeNumber(JsonGenerator g, String name, Double v) throws IOException {
        if (v == null) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, v);
        }
    }

    private static void writeArray(JsonGenerator g, String name, double[] v) throws IOException {
        if (v == null) {
            g.writeNullField(name);
            return;
        }
        g.writeArrayFieldStart(name);
        for (double x : v) {
            g.writeNumber(x);
        }
        g.writeEndArray();
    }
}
