package io.distillab.cli.bench;

import io.distillab.cli.analyze.PopulationLoader;
import io.distillab.core.analysis.AnalysisOptions;
import io.distillab.core.analysis.AnalysisResult;
import io.distillab.core.analysis.PairwiseAnalysis;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.tools.ToolClasses;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillab bench analyze}: import and analysis speed on a synthetic population built from a
 * real file's statistics (default 18 models × 500 tasks × 4 trials = 36,000 trajectories).
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Time import and the all-pairs analysis (no GED) on a synthetic population.")
public final class BenchAnalyzeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--source", description = "Real tau-bench file whose statistics the population copies.")
    Path source = Path.of("data/tau-bench/gpt-4o-airline.json");

    @Option(names = "--dir", description = "Where to write the synthetic files (default: a temporary folder).")
    Path dir;

    @Option(names = "--models", description = "Models (default 18).")
    int models = 18;

    @Option(names = "--tasks", description = "Tasks per model (default 500).")
    int tasks = 500;

    @Option(names = "--trials", description = "Trials per task (default 4).")
    int trials = 4;

    @Option(names = "--seed", description = "Generator seed (default 0).")
    long seed;

    @Option(names = "--keep", description = "Keep the generated files.")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path work = dir != null ? dir : Files.createTempDirectory("distillab-bench");
        long g0 = System.nanoTime();
        List<Path> files = SyntheticPopulation.write(source, work, models, tasks, trials, seed);
        long bytes = 0;
        for (Path f : files) {
            bytes += Files.size(f);
        }
        out.printf(Locale.ROOT, "generated %d files, %d trajectories, %.1f MB in %.1f s (%s)%n", files.size(),
                models * tasks * trials, bytes / 1e6, (System.nanoTime() - g0) / 1e9, work);
        out.flush();
        try {
            // 1. parse only, one file on one thread: the importer's own speed (after a warm-up file)
            AtomicLong n = new AtomicLong();
            TrajectoryImporter.importPath(files.get(0), TrajectoryFormat.TAU_BENCH, null, t -> n.incrementAndGet());
            Path timed = files.get(files.size() > 1 ? 1 : 0);
            long p0 = System.nanoTime();
            TrajectoryImporter.importPath(timed, TrajectoryFormat.TAU_BENCH, null, t -> n.incrementAndGet());
            double p1 = (System.nanoTime() - p0) / 1e9;
            out.printf(Locale.ROOT, "import (parse only, 1 thread, warm): %.1f MB in %.2f s = %.0f MB/s%n",
                    Files.size(timed) / 1e6, p1, Files.size(timed) / 1e6 / p1);
            // 2. the analyze job: import all files with graphs, then all pairs without GED
            System.gc();
            resetPeaks();
            List<PopulationLoader.Input> inputs = new ArrayList<>();
            for (Path f : files) {
                inputs.add(new PopulationLoader.Input(f, TrajectoryFormat.TAU_BENCH, null));
            }
            long a0 = System.nanoTime();
            PopulationLoader.Loaded loaded = PopulationLoader.load(inputs, ToolClasses.defaults(),
                    UnaryOperator.identity(), null);
            double imported = (System.nanoTime() - a0) / 1e9;
            long b0 = System.nanoTime();
            AnalysisResult r = PairwiseAnalysis.run(loaded.population(), AnalysisOptions.defaults());
            double analysed = (System.nanoTime() - b0) / 1e9;
            double total = (System.nanoTime() - a0) / 1e9;
            out.printf(Locale.ROOT, "import + action graphs (%d threads): %d trajectories, %.1f MB in %.2f s = %.0f MB/s%n",
                    Math.min(files.size(), Runtime.getRuntime().availableProcessors()), loaded.population().size(),
                    loaded.bytes() / 1e6, imported, loaded.bytes() / 1e6 / imported);
            out.printf(Locale.ROOT, "pairwise analysis: %d models, %d pairs in %.2f s%n", r.models().size(),
                    r.pairs().size(), analysed);
            out.printf(Locale.ROOT, "analyze total: %.2f s; peak heap %.0f MiB (max heap %.0f MiB)%n", total,
                    peakHeap() / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0);
            out.printf(Locale.ROOT, "machine: %d cores, %s, Java %s%n", Runtime.getRuntime().availableProcessors(),
                    System.getProperty("os.arch"), System.getProperty("java.version"));
        } finally {
            if (!keep) {
                for (Path f : files) {
                    Files.deleteIfExists(f);
                }
                if (dir == null) {
                    Files.deleteIfExists(work);
                }
            }
        }
        return 0;
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                p.resetPeakUsage();
            }
        }
    }

    /** Sum of the heap pools' peaks: an upper bound of the heap ever in use at once. */
    private static long peakHeap() {
        long s = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                s += p.getPeakUsage().getUsed();
            }
        }
        return s;
    }
}
