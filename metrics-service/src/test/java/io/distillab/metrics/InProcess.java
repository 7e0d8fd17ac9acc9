package io.distillab.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillab.core.analysis.AnalysisOptions;
import io.distillab.core.analysis.AnalysisResult;
import io.distillab.core.analysis.PairwiseAnalysis;
import io.distillab.core.analysis.Population;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.report.AnalysisJson;
import io.distillab.core.tools.ToolClasses;
import io.distillab.core.trajectory.Trajectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** The in-process computation the service must equal: what distillab analyze does with core. */
final class InProcess {
    static final ObjectMapper JSON = new ObjectMapper();

    private InProcess() {
    }

    /** Imports the files as the CLI does, then analyses; result JSON with {@code "rps": null} per pair. */
    static JsonNode analyze(AnalysisOptions options, UnaryOperator<Trajectory> rename, Consumer<Trajectory> also,
                            Object... formatAndPaths) throws IOException {
        Population population = new Population();
        for (int i = 0; i < formatAndPaths.length; i += 2) {
            TrajectoryImporter.importPath((Path) formatAndPaths[i + 1],
                    TrajectoryFormat.fromName((String) formatAndPaths[i]), null, t -> {
                        Trajectory r = rename.apply(t);
                        also.accept(r);
                        population.add(r, ToolClasses.defaults());
                    });
        }
        AnalysisResult result = PairwiseAnalysis.run(population, options);
        JsonNode json = JSON.readTree(AnalysisJson.toJson(result));
        json.path("pairs").forEach(p -> ((ObjectNode) p).putNull("rps"));
        return json;
    }
}
