package io.distillab.cli.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.core.analysis.AnalysisOptions;
import io.distillab.core.analysis.AnalysisResult;
import io.distillab.core.analysis.DirectionalTest;
import io.distillab.core.analysis.FamilyView;
import io.distillab.core.analysis.PairwiseAnalysis;
import io.distillab.core.analysis.Population;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.report.AnalysisJson;
import io.distillab.core.report.HtmlReport;
import io.distillab.core.tools.ToolClasses;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A server's result JSON read back gives the same JSON, table data and report as the local result. */
class ResultJsonTest {
    private static Path data(String p) {
        return Path.of(System.getProperty("distillab.root", "..")).resolve("data").resolve(p);
    }

    @Test
    void theServerShapeReadsBackIntoCoresTypesUnchanged() throws Exception {
        Population population = new Population();
        TrajectoryImporter.importPath(data("tau-bench/gpt-4o-airline.json"), null, null,
                t -> population.add(t.withModel(t.model() + "/trial-" + t.trial()), ToolClasses.defaults()));
        AnalysisOptions o = AnalysisOptions.defaults().withGed(true).withBootstrap(100, 3);
        AnalysisResult r = PairwiseAnalysis.run(population, o);
        DirectionalTest.Result d = DirectionalTest.run(population, o, "gpt-4o/trial-0", "gpt-4o/trial-1",
                "gpt-4o/trial-2", "gpt-4o/trial-3");
        Map<String, FamilyView.Row> fam = FamilyView.of(r, Map.of("gpt-4o/trial-0", "a", "gpt-4o/trial-1", "a",
                "gpt-4o/trial-2", "b", "gpt-4o/trial-3", "b"));
        String local = AnalysisJson.toJson(r, new AnalysisJson.Extras(d, fam));
        // what the service answers: the same plus "rps" in each pair
        ObjectNode served = (ObjectNode) MetricsServerClient.JSON.readTree(local);
        served.path("pairs").forEach(p -> ((ObjectNode) p).putNull("rps"));
        String servedText = MetricsServerClient.JSON.writeValueAsString(served);

        ResultJson.Parsed parsed = ResultJson.read(servedText, o);
        assertEquals(MetricsServerClient.JSON.readTree(local),
                MetricsServerClient.JSON.readTree(AnalysisJson.toJson(parsed.result(),
                        new AnalysisJson.Extras(parsed.directional(), parsed.families()))));
        assertEquals(HtmlReport.render(r, "t"), HtmlReport.render(parsed.result(), "t"));
        assertEquals(servedText, parsed.json());
        assertTrue(parsed.result().pairs().get(0).ci().containsKey("ged"));
    }

    @Test
    void optionalViewsStayAbsent() throws Exception {
        String json = "{\"models\":[\"m\"],\"pairs\":[{\"a\":\"m\",\"b\":\"m\",\"tasks\":1,\"ags\":null,"
                + "\"s_node\":null,\"s_seq\":1.0,\"s_dep\":1.0,\"ged\":null,\"ged_exact\":null,\"ci\":null,\"rps\":null}],"
                + "\"features\":{\"m\":{\"f_seq\":[0.0,0.5,0.0],\"f_dep\":[0.25,0.0,0.0]}}}";
        ResultJson.Parsed p = ResultJson.read(json, AnalysisOptions.defaults());
        assertNull(p.directional());
        assertNull(p.families());
        assertNull(p.result().pairs().get(0).scores().ags());
        assertEquals(0.5, p.result().features().get("m").fSeq()[1]);
    }
}
