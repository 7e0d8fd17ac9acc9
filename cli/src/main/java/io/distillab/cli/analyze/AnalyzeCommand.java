package io.distillab.cli.analyze;

import io.distillab.cli.AtomicFiles;
import io.distillab.cli.ExitCodes;
import io.distillab.cli.TrajectoryFiles;
import io.distillab.cli.server.RemoteAnalysis;
import io.distillab.cli.server.ResultJson;
import io.distillab.core.analysis.AnalysisOptions;
import io.distillab.core.analysis.AnalysisResult;
import io.distillab.core.analysis.DirectionalTest;
import io.distillab.core.analysis.FamilyView;
import io.distillab.core.analysis.PairwiseAnalysis;
import io.distillab.core.analysis.Population;
import io.distillab.core.analysis.ProgressListener;
import io.distillab.core.analysis.Scores;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.judge.EdgeValidator;
import io.distillab.core.judge.JudgeClient;
import io.distillab.core.judge.JudgeProgress;
import io.distillab.core.judge.RpsCalculator;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.judging.offline.OfflineJudgeClient;
import io.distillab.cli.server.JudgeServiceClient;
import io.distillab.cli.server.ServerToken;
import io.distillab.core.report.AnalysisJson;
import io.distillab.core.report.HtmlReport;
import io.distillab.core.tools.ToolClasses;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code distillab analyze}: AGS (and optionally GED) between the models of some trajectory files. */
@Command(name = "analyze", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"How much the tool-use behaviour of agents echoes each other.",
            "AGS (S_node, S_seq, S_dep), optionally GED and RPS, for every pair of models (or each model",
            "against a reference)."})
public final class AnalyzeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TrajectoryFiles input;

    @Option(names = "--reference", paramLabel = "MODEL", description = "Print each model against this one.")
    String reference;

    @Option(names = "--weights", paramLabel = "NODE,SEQ,DEP", split = ",",
            description = "AGS weights (default 1/3 each).")
    List<Double> weights;

    @Option(names = "--ged", description = "Also compute the GED baseline.")
    boolean ged;

    @Option(names = "--ged-exact-max-nodes", paramLabel = "N", description = "Exact GED up to N nodes (default 10).")
    int gedExactMaxNodes = 10;

    @Option(names = "--bootstrap", paramLabel = "N", description = "95%% bootstrap intervals from N resamples over tasks.")
    Integer bootstrap;

    @Option(names = "--seed", paramLabel = "S", description = "Bootstrap seed (default 0).")
    long seed;

    @Option(names = "--success-threshold", paramLabel = "R", description = "Success = reward >= R (default 1.0).")
    double successThreshold = 1.0;

    @Option(names = "--tool-classes", paramLabel = "FILE",
            description = "JSON map {tool: WRITE|READ|GENERIC} added to the default classes.")
    Path toolClasses;

    @Option(names = "--split-trials", description = "Treat each trial of a model as a run of its own (model/trial-K).")
    boolean splitTrials;

    @Option(names = "--direction", paramLabel = "S0,S1,T,C", split = ",",
            description = "Directional distillation test: student before, student after, teacher, control.")
    List<String> direction;

    @Option(names = "--families", paramLabel = "FILE", description = "JSON map {model: family}: within/cross-family means.")
    Path families;

    @Option(names = "--json", paramLabel = "OUT", description = "Write the analysis as JSON.")
    Path json;

    @Option(names = "--html", paramLabel = "OUT", description = "Write an HTML report with heatmaps.")
    Path html;

    @Option(names = "--quiet", description = "No progress lines on stderr.")
    boolean quiet;

    @Option(names = "--rps", description = "Also compute RPS (SPEC section 5) with the judge (default: the offline judge, in-process).")
    boolean rps;

    @Option(names = "--edges", paramLabel = "candidate|validated",
            description = "Dependency edges: candidate (SPEC rule, default) or validated by the judge.")
    String edges = "candidate";

    @Option(names = "--judge", paramLabel = "offline|llm|URL",
            description = {"The judge for --rps and --edges validated: offline (in-process, the default), a running",
                "judge-service's URL (its default judge; --judge-name picks another), or with --server the name of",
                "the judge metrics-service's judge-service should use (offline or llm)."})
    String judge;

    @Option(names = "--judge-name", paramLabel = "NAME",
            description = "With --judge URL: which of that judge-service's judges (offline or llm).")
    String judgeName;

    @Option(names = "--server", paramLabel = "URL",
            description = "Run on metrics-service at URL: upload the files to a new dataset there, analyse there.")
    java.net.URI server;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "API key or JWT for --server or --judge URL (default: $DISTILLAB_TOKEN; for a server on "
                    + "this machine, its local admin key in ~/.distillab/<service>/admin-key).")
    String token;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        AnalysisOptions options = options();
        TrajectoryFormat fmt = input.format();
        ToolClasses classes = toolClasses == null ? ToolClasses.defaults() : ToolClasses.fromFile(toolClasses);
        if (!edges.equals("candidate") && !edges.equals("validated")) {
            throw new ParameterException(spec.commandLine(), "--edges must be candidate or validated, got '" + edges + "'");
        }
        boolean judgeUrl = judge != null && (judge.startsWith("http://") || judge.startsWith("https://"));
        if (server != null && (judgeUrl || judgeName != null)) {
            throw new ParameterException(spec.commandLine(), "with --server, metrics-service asks its own judge-service: "
                    + "give --judge offline|llm, not a URL or --judge-name");
        }
        if (server == null && judge != null && !judgeUrl && !judge.equals("offline")) {
            throw new ParameterException(spec.commandLine(), "--judge " + judge + " runs in judge-service: give its URL "
                    + "(--judge http://host:port --judge-name " + judge + ") or run with --server");
        }
        if (judgeName != null && !judgeUrl) {
            throw new ParameterException(spec.commandLine(), "--judge-name needs --judge URL (a running judge-service)");
        }
        if (server != null) {
            ResultJson.Parsed remote = new RemoteAnalysis(server, token, quiet ? null : err()).run(new RemoteAnalysis.Request(
                    input.files, fmt, input.models, options, reference, splitTrials, toolClasses, direction,
                    families == null ? null : readFamilies(), rps, edges, judge));
            rpsByPair.putAll(remote.rps());
            return emit(out, remote.result(), remote.directional(), remote.families(), remote.json());
        }
        List<PopulationLoader.Input> inputs = new ArrayList<>();
        for (int i = 0; i < input.files.size(); i++) {
            inputs.add(new PopulationLoader.Input(input.files.get(i), fmt, input.model(i)));
        }
        UnaryOperator<Trajectory> rename = splitTrials ? PopulationLoader::splitTrial : UnaryOperator.identity();
        Population population = new Population();
        JudgeClient judgeClient = rps || edges.equals("validated")
                ? (judgeUrl ? new JudgeServiceClient(java.net.URI.create(judge),
                        ServerToken.resolve(token, java.net.URI.create(judge), ServerToken.JUDGE).orElse(null)) : new OfflineJudgeClient()) : null;
        RpsCalculator rpsCalculator = rps ? new RpsCalculator(judgeClient, judgeName) : null;
        EdgeValidator validator = edges.equals("validated")
                ? new EdgeValidator(judgeClient, judgeName, classes, population::add) : null;
        PopulationLoader.load(inputs, t -> {
            Trajectory r = rename.apply(t);
            if (validator != null) {
                synchronized (validator) {
                    validator.add(r);
                }
            } else {
                population.add(r, classes);
            }
            if (rpsCalculator != null) {
                synchronized (rpsCalculator) {
                    rpsCalculator.add(r);
                }
            }
        }, population, quiet ? null : err());
        if (validator != null) {
            validator.flush();
            if (!quiet) {
                err().printf("validated edges: %d candidate values judged%n", validator.judged());
            }
        }
        if (population.size() == 0) {
            throw new ParameterException(spec.commandLine(), "no trajectories in " + input.files);
        }
        if (reference != null && !population.models().contains(reference)) {
            throw new ParameterException(spec.commandLine(), "--reference " + reference + " names no model; models: "
                    + population.models());
        }
        long t0 = System.nanoTime();
        AnalysisResult result = PairwiseAnalysis.run(population, options, progress());
        if (!quiet) {
            err().printf("analysed %d models, %d pairs, %d trajectories in %.2f s%n", result.models().size(),
                    result.pairs().size(), population.size(), (System.nanoTime() - t0) / 1e9);
            err().flush();
        }
        DirectionalTest.Result dir = null;
        if (direction != null) {
            if (direction.size() != 4) {
                throw new ParameterException(spec.commandLine(), "--direction needs four models S0,S1,T,C");
            }
            for (String m : direction) {
                if (!population.models().contains(m)) {
                    throw new ParameterException(spec.commandLine(), "--direction: no model '" + m + "'; models: "
                            + population.models());
                }
            }
            dir = DirectionalTest.run(population, options, direction.get(0), direction.get(1), direction.get(2),
                    direction.get(3));
        }
        Map<String, FamilyView.Row> fam = families == null ? null : FamilyView.of(result, readFamilies());
        if (rpsCalculator != null) {
            long r0 = System.nanoTime();
            rpsWithIntervals = rpsCalculator.compute(result.models(), options.bootstrap(), options.seed(), JudgeProgress.NONE);
            rpsWithIntervals.forEach((pair, v) -> {
                if (v.value() != null) {
                    rpsByPair.put(pair, v.value());
                }
            });
            if (!quiet) {
                err().printf("RPS of %d pairs in %.2f s (%s judge)%n", rpsWithIntervals.size(),
                        (System.nanoTime() - r0) / 1e9, judgeUrl ? "judge-service at " + judge : "offline, in-process");
            }
        }
        return emit(out, result, dir, fam, null);
    }

    /** RPS with its interval by pair, when computed in-process; written into the JSON. */
    private Map<String, RpsCalculator.PairRps> rpsWithIntervals;

    /** Prints the table and views and writes the JSON and HTML; {@code serverJson} is written verbatim when set. */
    private Integer emit(PrintWriter out, AnalysisResult result, DirectionalTest.Result dir,
                         Map<String, FamilyView.Row> fam, String serverJson) throws IOException {
        printTable(out, result);
        if (dir != null) {
            printDirection(out, dir);
        }
        if (fam != null) {
            printFamilies(out, fam);
        }
        AnalysisJson.Extras extras = new AnalysisJson.Extras(dir, fam, rpsWithIntervals);
        if (json != null) {
            if (serverJson != null) {
                AtomicFiles.write(json, os -> os.write(serverJson.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            } else {
                AtomicFiles.write(json, os -> AnalysisJson.write(result, extras, os));
            }
            if (!quiet) {
                err().println("wrote " + json);
            }
        }
        if (html != null) {
            String page = HtmlReport.render(result, "DistilLab: tool-use similarity of " + result.models().size()
                    + " models");
            AtomicFiles.write(html, os -> os.write(page.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            if (!quiet) {
                err().println("wrote " + html);
            }
        }
        out.flush();
        err().flush();
        return ExitCodes.OK;
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }

    private ProgressListener progress() {
        if (quiet) {
            return ProgressListener.NONE;
        }
        return new ProgressListener() {
            private int lastTenth = 0;

            @Override
            public synchronized void progress(int done, int total) {
                int tenth = done * 10 / total;
                if (total >= 20 && tenth > lastTenth) {
                    lastTenth = tenth;
                    err().printf("  pairs %d/%d%n", done, total);
                    err().flush();
                }
            }
        };
    }

    private AnalysisOptions options() {
        AnalysisOptions o = AnalysisOptions.defaults().withGed(ged).withGedExactMaxNodes(gedExactMaxNodes)
                .withSuccessThreshold(successThreshold);
        if (weights != null) {
            if (weights.size() != 3) {
                throw new ParameterException(spec.commandLine(), "--weights needs three numbers NODE,SEQ,DEP");
            }
            o = o.withWeights(weights.get(0), weights.get(1), weights.get(2));
        }
        if (bootstrap != null) {
            if (bootstrap < 1) {
                throw new ParameterException(spec.commandLine(), "--bootstrap must be at least 1");
            }
            o = o.withBootstrap(bootstrap, seed);
        }
        return o;
    }

    private Map<String, String> readFamilies() throws IOException {
        com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Files.readString(families));
        if (n == null || !n.isObject()) {
            throw new ParameterException(spec.commandLine(), families + ": expected a JSON object {model: family}");
        }
        Map<String, String> m = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    /** RPS by pair ("a" + NUL + "b", a <= b) from the server's result, when it computed RPS. */
    private final Map<String, Double> rpsByPair = new java.util.HashMap<>();

    private void printTable(PrintWriter out, AnalysisResult r) {
        boolean ci = r.options().bootstrap() > 0;
        boolean withRps = !rpsByPair.isEmpty();
        List<AnalysisResult.PairResult> rows = new ArrayList<>();
        if (reference != null) {
            for (String m : r.models()) {
                rows.add(r.pair(m, reference));
            }
        } else {
            rows.addAll(r.pairs());
        }
        int w = 8;
        for (String m : r.models()) {
            w = Math.max(w, m.length());
        }
        String colA = reference != null ? "model" : "A";
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-" + w + "s", colA));
        if (reference == null) {
            header.append(String.format(Locale.ROOT, "  %-" + w + "s", "B"));
        }
        header.append(String.format(Locale.ROOT, " %6s %7s %7s %7s %7s", "tasks", "AGS", "S_node", "S_seq", "S_dep"));
        if (r.options().ged()) {
            header.append(String.format(Locale.ROOT, " %7s %5s", "GED", "exact"));
        }
        if (withRps) {
            header.append(String.format(Locale.ROOT, " %6s", "RPS"));
        }
        if (ci) {
            header.append("  AGS 95% CI");
        }
        if (reference != null) {
            out.println("against reference " + reference + ":");
        }
        out.println(header);
        for (AnalysisResult.PairResult p : rows) {
            String name = reference != null ? (p.a().equals(reference) ? p.b() : p.a()) : p.a();
            Scores s = p.scores();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-" + w + "s", name));
            if (reference == null) {
                line.append(String.format(Locale.ROOT, "  %-" + w + "s", p.b()));
            }
            line.append(String.format(Locale.ROOT, " %6d %7s %7s %7s %7s", p.tasks(), f(s.ags()), f(s.sNode()),
                    f(s.sSeq()), f(s.sDep())));
            if (r.options().ged()) {
                line.append(String.format(Locale.ROOT, " %7s %5s", f(s.ged()),
                        s.ged() == null ? "-" : Boolean.TRUE.equals(p.gedExact()) ? "yes" : "bound"));
            }
            if (withRps) {
                Double v = rpsByPair.get(p.a() + "\u0000" + p.b());
                line.append(String.format(Locale.ROOT, " %6s", v == null ? "-" : String.format(Locale.ROOT, "%.2f", v)));
            }
            if (ci && p.ci() != null && p.ci().get("ags") != null) {
                double[] iv = p.ci().get("ags");
                line.append(String.format(Locale.ROOT, "  [%.3f, %.3f]", iv[0], iv[1]));
            }
            out.println(line);
        }
    }

    private static void printDirection(PrintWriter out, DirectionalTest.Result d) {
        out.printf(Locale.ROOT, "%ndirectional test: %s -> %s, teacher %s, control %s (%d shared tasks, %d resamples)%n",
                d.studentBefore(), d.studentAfter(), d.teacher(), d.control(), d.tasks(), d.resamples());
        for (Map.Entry<String, DirectionalTest.Direction> e : d.byMetric().entrySet()) {
            DirectionalTest.Direction x = e.getValue();
            out.printf(Locale.ROOT, "  %-4s dT %7s  dC %7s  dT-dC %7s  95%% CI %s  %s%n", e.getKey().toUpperCase(),
                    f(x.dT()), f(x.dC()), f(x.difference()),
                    x.ci() == null ? "n/a" : String.format(Locale.ROOT, "[%.3f, %.3f]", x.ci()[0], x.ci()[1]), x.verdict());
        }
    }

    private static void printFamilies(PrintWriter out, Map<String, FamilyView.Row> fam) {
        out.printf("%nfamily view:        within (pairs)   cross (pairs)%n");
        for (Map.Entry<String, FamilyView.Row> e : fam.entrySet()) {
            out.printf(Locale.ROOT, "  %-8s %14s (%d) %12s (%d)%n", e.getKey(), f(e.getValue().within()),
                    e.getValue().withinPairs(), f(e.getValue().cross()), e.getValue().crossPairs());
        }
    }

    private static String f(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }
}
