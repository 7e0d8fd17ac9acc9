package io.distillab.cli.bench;

import io.distillab.core.analysis.AnalysisOptions;
import io.distillab.core.analysis.AnalysisResult;
import io.distillab.core.analysis.PairwiseAnalysis;
import io.distillab.core.analysis.Population;
import io.distillab.core.graph.ActionGraph;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.metrics.GraphEditDistance;
import io.distillab.core.tools.ToolClasses;
import io.distillab.core.trajectory.Trajectory;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillab bench ged}: how exact GED's cost grows with graph size, on real action graphs
 * cut to n calls, against the bipartite bound; then GED time per model pair in a whole analysis.
 */
@Command(name = "ged", mixinStandardHelpOptions = true,
        description = "Time exact GED by graph size (real tau-bench graphs cut to n calls) and per model pair.")
public final class BenchGedCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--source", description = "Real tau-bench file.")
    Path source = Path.of("data/tau-bench/gpt-4o-airline.json");

    @Option(names = "--max-nodes", description = "Largest graph size to time (default 10).")
    int maxNodes = 10;

    @Option(names = "--pairs", description = "Random trajectory pairs per size (default 300).")
    int pairs = 300;

    @Option(names = "--models", description = "Models of the synthetic population for the per-pair figure (default 4).")
    int models = 4;

    @Option(names = "--tasks", description = "Tasks of that population (default 100).")
    int tasks = 100;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<Trajectory> real = new ArrayList<>();
        TrajectoryImporter.importPath(source, TrajectoryFormat.TAU_BENCH, null, real::add);
        Random rnd = new Random(0);
        out.println("graph size n | pairs | exact mean µs | exact p99 µs | bipartite mean µs | bound / exact distance");
        for (int n = 1; n <= maxNodes; n++) {
            List<ActionGraph> graphs = new ArrayList<>();
            for (Trajectory t : real) {
                if (t.calls().size() >= n) {
                    graphs.add(ActionGraph.of(cut(t, n), ToolClasses.defaults()));
                }
            }
            if (graphs.size() < 2) {
                break;
            }
            long[] exact = new long[pairs];
            long bipartite = 0;
            long dExact = 0;
            long dBound = 0;
            for (int warm = 0; warm < 2; warm++) {
                for (int i = 0; i < pairs; i++) {
                    ActionGraph a = graphs.get(rnd.nextInt(graphs.size()));
                    ActionGraph b = graphs.get(rnd.nextInt(graphs.size()));
                    long t0 = System.nanoTime();
                    GraphEditDistance.Result e = GraphEditDistance.compute(a, b, n);
                    long t1 = System.nanoTime();
                    GraphEditDistance.Result u = GraphEditDistance.compute(a, b, 0);
                    long t2 = System.nanoTime();
                    if (warm == 1) {
                        exact[i] = t1 - t0;
                        bipartite += t2 - t1;
                        dExact += e.distance();
                        dBound += u.distance();
                    }
                }
            }
            Arrays.sort(exact);
            out.printf(Locale.ROOT, "%12d | %5d | %13.1f | %12.1f | %17.1f | %.3f%n", n, pairs,
                    Arrays.stream(exact).average().orElse(0) / 1e3, exact[(int) (pairs * 0.99)] / 1e3,
                    bipartite / 1e3 / pairs, dExact == 0 ? 1.0 : (double) dBound / dExact);
        }
        Path dir = Files.createTempDirectory("distillab-ged");
        try {
            List<Path> files = SyntheticPopulation.write(source, dir, models, tasks, 4, 0);
            Population p = new Population();
            for (Path f : files) {
                TrajectoryImporter.importPath(f, TrajectoryFormat.TAU_BENCH, null, t -> p.add(t, ToolClasses.defaults()));
            }
            long t0 = System.nanoTime();
            AnalysisResult r = PairwiseAnalysis.run(p, AnalysisOptions.defaults().withGed(true));
            double s = (System.nanoTime() - t0) / 1e9;
            long exactPairs = r.pairs().stream().filter(x -> Boolean.TRUE.equals(x.gedExact())).count();
            out.printf(Locale.ROOT, "analysis with GED: %d models × %d tasks × 4 trials, %d model pairs (%d all exact) "
                    + "in %.2f s = %.2f s per model pair (%d cores)%n", models, tasks, r.pairs().size(), exactPairs, s,
                    s / r.pairs().size(), Runtime.getRuntime().availableProcessors());
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        } finally {
            Files.deleteIfExists(dir);
        }
        return 0;
    }

    /** The trajectory's first n calls (messages kept, so rule 2 sees the same chat). */
    private static Trajectory cut(Trajectory t, int n) {
        return new Trajectory(t.model(), t.task(), t.trial(), t.reward(), t.messages(), t.calls().subList(0, n),
                t.goldTools(), t.source());
    }
}
