package io.distillab.cli.analyze;

import io.distillab.core.analysis.Population;
import io.distillab.core.importer.ImportReport;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.tools.ToolClasses;
import io.distillab.core.trajectory.Trajectory;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.UnaryOperator;

/**
 * Imports trajectory files into a {@link Population}, files in parallel (one reader per core), each
 * trajectory reduced to its action graph as it streams in.
 */
public final class PopulationLoader {
    /** One file to import and how. */
    public record Input(Path path, TrajectoryFormat format, String model) {
    }

    /** The population and what each import did. */
    public record Loaded(Population population, List<ImportReport> reports, long bytes, double seconds) {
    }

    private PopulationLoader() {
    }

    /**
     * @param rename applied to every trajectory before it joins (e.g. split trials into runs)
     * @param log    progress lines go here (the command's stderr); null for none
     */
    public static Loaded load(List<Input> inputs, ToolClasses classes, UnaryOperator<Trajectory> rename,
                              PrintWriter log) throws Exception {
        Population population = new Population();
        int cores = Runtime.getRuntime().availableProcessors();
        if (inputs.size() >= cores) {
            return load(inputs, t -> population.add(rename.apply(t), classes), population, log);
        }
        // Fewer files than cores (the bundled job is one file): each reader only parses, and the
        // action graphs, the costlier half (candidate edges scan every earlier output and message),
        // are built on the other cores. At most BUILDS_IN_FLIGHT per core wait, so the heap holds
        // a few chats at a time, not the file.
        ExecutorService builders = daemonPool(cores, "graphs");
        Semaphore inFlight = new Semaphore(BUILDS_IN_FLIGHT * cores);
        List<Future<?>> builds = java.util.Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        try {
            Loaded loaded = load(inputs, t -> {
                inFlight.acquireUninterruptibly();
                builds.add(builders.submit(() -> {
                    try {
                        population.add(rename.apply(t), classes);
                    } finally {
                        inFlight.release();
                    }
                }));
            }, population, log);
            for (Future<?> f : builds) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Exception ex) {
                        throw ex;
                    }
                    throw e;
                }
            }
            return new Loaded(population, loaded.reports(), loaded.bytes(), (System.nanoTime() - t0) / 1e9);
        } finally {
            builders.shutdownNow();
        }
    }

    /** Trajectories parsed but not yet reduced to graphs, per core. */
    private static final int BUILDS_IN_FLIGHT = 16;

    private static ExecutorService daemonPool(int threads, String name) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Imports the files, giving each trajectory to {@code sink} (called from several threads at once),
     * and reports {@code population}, which the sink fills.
     */
    public static Loaded load(List<Input> inputs, java.util.function.Consumer<Trajectory> sink, Population population,
                              PrintWriter log) throws Exception {
        long t0 = System.nanoTime();
        int threads = Math.max(1, Math.min(inputs.size(), Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = daemonPool(threads, "import");
        try {
            List<Future<ImportReport>> futures = new ArrayList<>();
            for (Input in : inputs) {
                futures.add(pool.submit(() -> {
                    long s = System.nanoTime();
                    ImportReport r = TrajectoryImporter.importPath(in.path(), in.format(), in.model(), sink);
                    if (log != null) {
                        double sec = (System.nanoTime() - s) / 1e9;
                        synchronized (log) {
                            log.printf("imported %s (%s): %d trajectories%s, %.1f MB in %.2f s%n", in.path(),
                                    r.format(), r.trajectories(), r.skipped().isEmpty() ? "" : ", " + r.skipped().size()
                                            + " answer files without a chosen path skipped", r.bytes() / 1e6, sec);
                            log.flush();
                        }
                    }
                    return r;
                }));
            }
            List<ImportReport> reports = new ArrayList<>();
            long bytes = 0;
            for (Future<ImportReport> f : futures) {
                try {
                    ImportReport r = f.get();
                    reports.add(r);
                    bytes += r.bytes();
                } catch (ExecutionException e) {
                    futures.forEach(x -> x.cancel(true));
                    if (e.getCause() instanceof Exception ex) {
                        throw ex;
                    }
                    throw e;
                }
            }
            return new Loaded(population, reports, bytes, (System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Each trial of a model becomes a run of its own, {@code model/trial-K}: one agent's runs compared. */
    public static Trajectory splitTrial(Trajectory t) {
        return t.withModel(t.model() + "/trial-" + t.trial());
    }
}
