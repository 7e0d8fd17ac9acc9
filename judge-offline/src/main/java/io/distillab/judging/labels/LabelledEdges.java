package io.distillab.judging.labels;

import io.distillab.core.graph.CandidateEdge;
import io.distillab.core.graph.CandidateEdges;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.judge.EdgeValidator;
import io.distillab.core.judge.JudgeClient;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.judging.EdgeVerdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Candidate edges of the bundled data labelled by reading them ({@code data/edge-labels/edges.tsv}:
 * data, task, trial, source, target, source_tool, target_tool, value, label, reasoning), each
 * with the question a judge gets for it, and the precision and recall of a judge's verdicts
 * against the labels.
 */
public final class LabelledEdges {
    /** One labelled edge and the judge's question for it. */
    public record Edge(String data, String task, int trial, CandidateEdge edge, EdgeVerdict label, String reasoning,
                       JudgeClient.EdgeQuestion question) {
    }

    private LabelledEdges() {
    }

    /** Reads the labels under {@code root} (the repository) and finds each edge among the data's candidate edges. */
    public static List<Edge> load(Path root) throws IOException {
        List<Edge> out = new ArrayList<>();
        Map<String, Map<String, Trajectory>> byData = new HashMap<>();
        Path file = root.resolve("data/edge-labels/edges.tsv");
        int lineNo = 0;
        for (String line : Files.readAllLines(file)) {
            lineNo++;
            if (line.startsWith("#") || line.startsWith("data\t") || line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 10 || f[9].isBlank()) {
                throw new IOException(file + ": line " + lineNo + ": expected 10 tab-separated fields with a reasoning");
            }
            Map<String, Trajectory> trajectories = byData.get(f[0]);
            if (trajectories == null) {
                Map<String, Trajectory> loaded = new HashMap<>();
                TrajectoryImporter.importPath(root.resolve("data").resolve(f[0]), null, null,
                        t -> loaded.put(t.task() + "\u0000" + t.trial(), t));
                byData.put(f[0], loaded);
                trajectories = loaded;
            }
            Trajectory t = trajectories.get(f[1] + "\u0000" + f[2]);
            if (t == null) {
                throw new IOException(file + ": line " + lineNo + ": no trajectory of task " + f[1] + " trial " + f[2]);
            }
            int source = Integer.parseInt(f[3]);
            int target = Integer.parseInt(f[4]);
            CandidateEdge edge = CandidateEdges.of(t).stream()
                    .filter(e -> e.source() == source && e.target() == target && e.value().equals(f[7]))
                    .findFirst().orElseThrow(() -> new IOException(file + ": c" + source + " -> c"
                            + target + " for '" + f[7] + "' is not a candidate edge of the data (stale label)"));
            out.add(new Edge(f[0], f[1], Integer.parseInt(f[2]), edge, EdgeVerdict.fromWire(f[8]), f[9],
                    EdgeValidator.question(t, edge)));
        }
        return out;
    }

    /** Precision and recall of each verdict; an edge without a verdict lowers the recall of its label. */
    public record Scores(int genuineAsGenuine, int genuineAsPrior, int genuineUnanswered, int priorAsGenuine,
                         int priorAsPrior, int priorUnanswered) {
        public static Scores of(List<Edge> edges, List<EdgeVerdict> verdicts) {
            int[] c = new int[6];
            for (int i = 0; i < edges.size(); i++) {
                EdgeVerdict v = verdicts.get(i);
                int base = edges.get(i).label() == EdgeVerdict.GENUINE ? 0 : 3;
                c[base + (v == null ? 2 : v == EdgeVerdict.GENUINE ? 0 : 1)]++;
            }
            return new Scores(c[0], c[1], c[2], c[3], c[4], c[5]);
        }

        public double genuinePrecision() {
            return ratio(genuineAsGenuine, genuineAsGenuine + priorAsGenuine);
        }

        public double genuineRecall() {
            return ratio(genuineAsGenuine, genuineAsGenuine + genuineAsPrior + genuineUnanswered);
        }

        public double priorPrecision() {
            return ratio(priorAsPrior, priorAsPrior + genuineAsPrior);
        }

        public double priorRecall() {
            return ratio(priorAsPrior, priorAsPrior + priorAsGenuine + priorUnanswered);
        }

        public double accuracy() {
            return ratio(genuineAsGenuine + priorAsPrior, genuineAsGenuine + genuineAsPrior + genuineUnanswered
                    + priorAsGenuine + priorAsPrior + priorUnanswered);
        }

        private static double ratio(int a, int b) {
            return b == 0 ? 0 : (double) a / b;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "genuine: precision %.3f recall %.3f; prior_knowledge: precision %.3f "
                    + "recall %.3f; accuracy %.3f (labelled genuine: %d/%d/%d judged genuine/prior/no answer; labelled "
                    + "prior_knowledge: %d/%d/%d)", genuinePrecision(), genuineRecall(), priorPrecision(), priorRecall(),
                    accuracy(), genuineAsGenuine, genuineAsPrior, genuineUnanswered, priorAsGenuine, priorAsPrior,
                    priorUnanswered);
        }
    }
}
