package io.distillab.cli.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code distillab bench cli}: the whole process, as a user runs it. Each workload ({@code --version},
 * the bundled job, a 16-agent population) runs N times as a child process of {@code bin/distillab}
 * under several JVM flag sets, and of the independent Python implementation of SPEC 1-3
 * ({@code scripts/reference/ags_timing_reference.py}); it prints the median, fastest and slowest
 * wall time and the median CPU time (user + system, from the children's times in
 * {@code /proc/self/stat}) of each.
 */
@Command(name = "cli", mixinStandardHelpOptions = true,
        description = "Time whole distillab processes (start-up, the bundled job, a population) against the Python reference.")
public final class BenchCliCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--root", description = "The checkout whose bin/distillab and data are timed (default: .).")
    Path root = Path.of(".");

    @Option(names = "--runs", description = "Runs of each short workload (default 9).")
    int runs = 9;

    @Option(names = "--population-runs", description = "Runs of the population workload (default 3).")
    int populationRuns = 3;

    @Option(names = "--python", description = "Python for the reference (default /usr/bin/python3, else python3).")
    String python;

    @Option(names = "--population-dir", description = "Where the 16 x 200 population is written (default: a temporary folder, deleted after).")
    Path populationDir;

    @Option(names = "--skip-population", description = "Only the start-up and the bundled job.")
    boolean skipPopulation;

    @Option(names = "--variants", description = "Also time the JVM flag variants (no CDS archive, CDS relocated, C2, G1, the old default).")
    boolean variants;

    /** One way of running a workload. */
    private record Runner(String name, Map<String, String> env, List<String> prefix) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path bin = root.resolve("bin/distillab").toAbsolutePath().normalize();
        Path jar = root.resolve("cli/target/distillab-cli.jar").toAbsolutePath().normalize();
        Path archive = root.resolve("cli/target/distillab-cli.jsa").toAbsolutePath().normalize();
        Path bundled = root.resolve("data/tau-bench/gpt-4o-airline.json").toAbsolutePath().normalize();
        Path script = root.resolve("scripts/reference/ags_timing_reference.py").toAbsolutePath().normalize();
        String py = python != null ? python : Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

        List<Runner> runners = new ArrayList<>();
        runners.add(new Runner("bin/distillab (CDS archive " + (Files.exists(archive) ? "present" : "ABSENT")
                + ", C1, SerialGC)", Map.of(), List.of(bin.toString())));
        if (variants) {
            String mapped = "-XX:SharedArchiveFile=" + archive + " -Xlog:cds=off -Xlog:cds+dynamic=off";
            String cds = mapped + " -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0";
            runners.add(variant("no CDS archive (C1, SerialGC)", "-Xmx2g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC", bin));
            runners.add(variant("CDS relocated at start (the JDK's default), C1, SerialGC",
                    "-Xmx2g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC " + mapped, bin));
            runners.add(variant("CDS, C1+C2 (tiered), SerialGC", "-Xmx2g -XX:+UseSerialGC " + cds, bin));
            runners.add(variant("CDS, C1, G1", "-Xmx2g -XX:TieredStopAtLevel=1 " + cds, bin));
            runners.add(variant("before: -Xmx2g only", "-Xmx2g", bin));
        }
        out.printf(Locale.ROOT, "machine: %d cores, %s; load average before: %s%n", Runtime.getRuntime().availableProcessors(),
                cpuModel(), loadAverage());
        out.printf(Locale.ROOT, "python: %s (%s)%n", py, run(List.of(py, "--version"), Map.of()).output.strip());
        out.println("workload | runner | runs | wall median | wall min | wall max | CPU median");
        out.println("---|---|---|---|---|---|---");

        for (Runner r : runners) {
            report(out, "--version", r, runs, List.of("--version"));
        }
        for (Runner r : runners) {
            report(out, "analyze bundled (4.1 MB)", r, runs, List.of("analyze", bundled.toString(), "--quiet"));
        }
        report(out, "analyze bundled (4.1 MB)", new Runner("python reference", Map.of(), List.of(py, script.toString())),
                runs, List.of(bundled.toString()));

        if (!skipPopulation) {
            Path dir = populationDir != null ? populationDir : Files.createTempDirectory("distillab-bench-cli");
            Files.createDirectories(dir);
            List<Path> files = SyntheticPopulation.write(bundled, dir, 16, 50, 4, 0);
            long bytes = 0;
            List<String> names = new ArrayList<>();
            for (Path f : files) {
                bytes += Files.size(f);
                names.add(f.toString());
            }
            String label = String.format(Locale.ROOT, "analyze population (16 x 200, %.0f MB)", bytes / 1e6);
            try {
                List<String> args = new ArrayList<>(List.of("analyze"));
                args.addAll(names);
                args.add("--quiet");
                for (Runner r : runners) {
                    report(out, label, r, populationRuns, args);
                }
                report(out, label, new Runner("python reference", Map.of(), List.of(py, script.toString())),
                        populationRuns, names);
            } finally {
                if (populationDir == null) {
                    for (Path f : files) {
                        Files.deleteIfExists(f);
                    }
                    Files.deleteIfExists(dir);
                }
            }
        }
        out.printf(Locale.ROOT, "load average after: %s; jar %s%n", loadAverage(), jar);
        out.flush();
        return 0;
    }

    private static Runner variant(String name, String javaOpts, Path bin) {
        return new Runner(name, Map.of("DISTILLAB_JAVA_OPTS", javaOpts), List.of(bin.toString()));
    }

    private void report(PrintWriter out, String workload, Runner r, int n, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(r.prefix());
        command.addAll(args);
        run(command, r.env()); // warm the file cache; not counted
        double[] wall = new double[n];
        double[] cpu = new double[n];
        for (int i = 0; i < n; i++) {
            Result res = run(command, r.env());
            if (res.exit != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited " + res.exit + ": " + res.output);
            }
            wall[i] = res.wallSeconds;
            cpu[i] = res.cpuSeconds;
        }
        Arrays.sort(wall);
        Arrays.sort(cpu);
        out.printf(Locale.ROOT, "%s | %s | %d | %.3f s | %.3f s | %.3f s | %s%n", workload, r.name(), n, median(wall),
                wall[0], wall[n - 1], Double.isNaN(cpu[0]) ? "n/a" : String.format(Locale.ROOT, "%.3f s", median(cpu)));
        out.flush();
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private record Result(int exit, double wallSeconds, double cpuSeconds, String output) {
    }

    private static Result run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        double cpu0 = childrenCpuSeconds();
        long t0 = System.nanoTime();
        Process p = pb.start();
        byte[] output = p.getInputStream().readAllBytes();
        int exit = p.waitFor();
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = childrenCpuSeconds() - cpu0;
        return new Result(exit, wall, cpu, new String(output, StandardCharsets.UTF_8));
    }

    /**
     * CPU time (user + system) of this process's waited-for children: fields 16 and 17 of
     * {@code /proc/self/stat}, in clock ticks (100 per second on Linux). NaN elsewhere.
     */
    static double childrenCpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) " the fields start at field 3 (state): cutime is field 16, cstime 17
            return (Long.parseLong(f[16 - 3]) + Long.parseLong(f[17 - 3])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "n/a";
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }
}
