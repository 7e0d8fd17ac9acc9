package io.distillab.metrics.analysis;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.distillab.core.analysis.AnalysisOptions;
import io.distillab.core.metrics.GraphEditDistance;
import io.distillab.core.tools.ToolClass;
import io.distillab.core.tools.ToolClasses;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.service.support.problem.ProblemException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What an analysis computes: the request body of {@code POST /api/v1/analyses}, stored with the
 * defaults filled in ({@link #withDefaults()}). Every parameter but {@code dataset} is optional and
 * defaults as {@code distillab analyze} does (SPEC's defaults).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "An analysis to run: the dataset, which models, and the SPEC parameters")
public record AnalysisParameters(
        @Schema(required = true, description = "The dataset id", examples = "1") Long dataset,
        @Schema(description = "Models to compare (default: every model of the dataset)") List<String> models,
        @Schema(description = "A model to read the others against (checked, kept with the analysis)") String reference,
        @Schema(description = "AGS weights [node, seq, dep] (default 1/3 each)") List<Double> weights,
        @Schema(description = "Dependency edges: candidate (SPEC section 2) or validated (confirmed by judge-service)",
                enumeration = {"candidate", "validated"}, defaultValue = "candidate") String edges,
        @Schema(description = "Also compute the GED baseline", defaultValue = "false") Boolean ged,
        @Schema(description = "Exact GED up to this many nodes per graph", defaultValue = "10") Integer gedExactMaxNodes,
        @Schema(description = "Bootstrap resamples over tasks for 95% intervals; 0 for none", defaultValue = "0")
        Integer bootstrap,
        @Schema(description = "Bootstrap seed", defaultValue = "0") Long seed,
        @Schema(description = "success = reward >= this", defaultValue = "1.0") Double successThreshold,
        @Schema(description = "Also compute RPS through judge-service (adds \"rps\" to each pair of the result)",
                defaultValue = "false") Boolean rps,
        @Schema(description = "Judge of judge-service to ask ('offline' or 'llm'; default: its default)") String judge,
        @Schema(description = "Treat each trial of a model as a run of its own, model/trial-K", defaultValue = "false")
        Boolean splitTrials,
        @Schema(description = "Tool classes {tool: WRITE|READ|GENERIC} added to SPEC's default map")
        Map<String, String> toolClasses,
        @Schema(description = "Directional test: [student before, student after, teacher, control]")
        List<String> direction,
        @Schema(description = "Family view: {model: family}") Map<String, String> families) {

    public static final int MAX_BOOTSTRAP = 100_000;

    public boolean validatedEdges() {
        return "validated".equals(edges);
    }

    public boolean wantsRps() {
        return Boolean.TRUE.equals(rps);
    }

    /** Checks what can be checked without the dataset, and fills in the defaults. */
    public AnalysisParameters withDefaults() {
        if (dataset == null) {
            throw ProblemException.invalid("dataset", "required: the id of the dataset to analyse");
        }
        List<Double> w = weights == null ? List.of(1.0 / 3, 1.0 / 3, 1.0 / 3) : weights;
        if (w.size() != 3) {
            throw ProblemException.invalid("weights", "needs three numbers [node, seq, dep], got " + w.size());
        }
        for (int i = 0; i < 3; i++) {
            Double x = w.get(i);
            if (x == null || !Double.isFinite(x) || x < 0) {
                throw ProblemException.invalid("weights[" + i + "]", "must be a finite number >= 0");
            }
        }
        String e = edges == null ? "candidate" : edges.trim().toLowerCase(Locale.ROOT);
        if (!e.equals("candidate") && !e.equals("validated")) {
            throw ProblemException.invalid("edges", "must be candidate or validated, got '" + edges + "'");
        }
        int b = bootstrap == null ? 0 : bootstrap;
        if (b < 0 || b > MAX_BOOTSTRAP) {
            throw ProblemException.invalid("bootstrap", "must be between 0 and " + MAX_BOOTSTRAP);
        }
        int g = gedExactMaxNodes == null ? GraphEditDistance.DEFAULT_EXACT_MAX_NODES : gedExactMaxNodes;
        if (g < 0 || g > 16) {
            throw ProblemException.invalid("gedExactMaxNodes", "must be between 0 and 16");
        }
        double st = successThreshold == null ? Trajectory.DEFAULT_SUCCESS_THRESHOLD : successThreshold;
        if (!Double.isFinite(st)) {
            throw ProblemException.invalid("successThreshold", "must be a finite number");
        }
        if (direction != null && direction.size() != 4) {
            throw ProblemException.invalid("direction", "needs four models [S0, S1, T, C], got " + direction.size());
        }
        Map<String, String> classes = toolClasses == null ? null : new TreeMap<>(toolClasses);
        if (classes != null) {
            for (Map.Entry<String, String> c : classes.entrySet()) {
                try {
                    c.setValue(ToolClass.valueOf(String.valueOf(c.getValue()).trim().toUpperCase(Locale.ROOT)).name());
                } catch (IllegalArgumentException ex) {
                    throw ProblemException.invalid("toolClasses." + c.getKey(), "must be WRITE, READ or GENERIC");
                }
            }
        }
        if (models != null) {
            if (models.isEmpty()) {
                throw ProblemException.invalid("models", "must name at least one model when given");
            }
            for (int i = 0; i < models.size(); i++) {
                if (models.get(i) == null || models.get(i).isBlank()) {
                    throw ProblemException.invalid("models[" + i + "]", "must be a model name");
                }
            }
        }
        return new AnalysisParameters(dataset, models == null ? null : List.copyOf(models), reference, List.copyOf(w),
                e, Boolean.TRUE.equals(ged), g, b, seed == null ? 0L : seed, st, Boolean.TRUE.equals(rps),
                judge == null || judge.isBlank() ? null : judge.trim(), Boolean.TRUE.equals(splitTrials), classes,
                direction == null ? null : List.copyOf(direction), families == null ? null : new TreeMap<>(families));
    }

    /** Checks that every model named exists (the dataset's models, split into trials when asked). */
    public void checkModels(List<String> available) {
        if (models != null) {
            for (int i = 0; i < models.size(); i++) {
                if (!available.contains(models.get(i))) {
                    throw ProblemException.invalid("models[" + i + "]", "no model '" + models.get(i)
                            + "' in dataset " + dataset + "; models: " + available);
                }
            }
        }
        List<String> chosen = models == null ? available : models;
        if (chosen.isEmpty()) {
            throw ProblemException.invalid("dataset", "dataset " + dataset + " holds no trajectories yet");
        }
        if (reference != null && !chosen.contains(reference)) {
            throw ProblemException.invalid("reference", "'" + reference + "' is not among the analysed models " + chosen);
        }
        if (direction != null) {
            for (int i = 0; i < 4; i++) {
                if (!chosen.contains(direction.get(i))) {
                    throw ProblemException.invalid("direction[" + i + "]", "'" + direction.get(i)
                            + "' is not among the analysed models " + chosen);
                }
            }
        }
    }

    public AnalysisOptions options() {
        return AnalysisOptions.defaults().withWeights(weights.get(0), weights.get(1), weights.get(2)).withGed(ged)
                .withGedExactMaxNodes(gedExactMaxNodes).withBootstrap(bootstrap, seed)
                .withSuccessThreshold(successThreshold);
    }

    public ToolClasses classes() {
        if (toolClasses == null || toolClasses.isEmpty()) {
            return ToolClasses.defaults();
        }
        Map<String, ToolClass> m = new TreeMap<>();
        toolClasses.forEach((k, v) -> m.put(k, ToolClass.valueOf(v)));
        return ToolClasses.defaultsWith(m);
    }
}
