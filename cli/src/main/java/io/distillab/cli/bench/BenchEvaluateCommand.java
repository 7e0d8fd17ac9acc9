package io.distillab.cli.bench;

import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.training.data.Tokenizer;
import io.distillab.training.generate.TurnEvaluation;
import io.distillab.training.model.CausalLm;
import io.distillab.training.model.HfCheckpoints;
import io.distillab.training.model.ModelConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code distillab bench evaluate}: turns per second of distillab evaluate, with and without sharing the cache. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Times distillab evaluate's turns with the key/value cache shared between a trajectory's turns and without.")
public final class BenchEvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--student", required = true, paramLabel = "DIR|CONFIG.json",
            description = "A checkpoint folder, or a config.json for random weights (seed 0).")
    Path student;

    @Option(names = "--tokenizer", required = true, paramLabel = "DIR|gpt2", description = "Tokenizer.")
    String tokenizer;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Trajectories.")
    Path data;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "3", description = "Trajectories (default 3).")
    int limit;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "16", description = "Tokens per turn (default 16).")
    int maxTokens;

    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: the processors).")
    Integer threads;

    @Override
    public Integer call() {
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        CausalLm model = Files.isDirectory(student) ? HfCheckpoints.load(student, n)
                : HfCheckpoints.create(ModelConfig.read(student), 0, n);
        Tokenizer tok = Tokenizer.load(tokenizer);
        List<Trajectory> all = new ArrayList<>();
        TrajectoryImporter.importPath(data, null, null, t -> {
            if (all.size() < limit) {
                all.add(t);
            }
        });
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "machine: %d cores; load average %s; student %s (%d layers, C = %d, V = %d)%n",
                Runtime.getRuntime().availableProcessors(), BenchCliCommand.loadAverage(), student,
                model.config().numLayers(), model.config().hiddenSize(), model.config().vocabSize());
        out.println("| prompts | turns | prompt tokens | from the cache | seconds | turns/s |");
        out.println("|---|---|---|---|---|---|");
        new TurnEvaluation(model, tok, maxTokens, true).run(all.subList(0, Math.min(1, all.size())), t -> { }); // warm-up
        for (boolean reuse : new boolean[] {false, true}) {
            TurnEvaluation e = new TurnEvaluation(model, tok, maxTokens, reuse);
            long t0 = System.nanoTime();
            TurnEvaluation.Summary s = e.run(all, t -> { });
            double seconds = (System.nanoTime() - t0) / 1e9;
            long[] p = e.promptTokens();
            out.printf(Locale.ROOT, "| %s | %d | %d | %d | %.2f | %.2f |%n", reuse ? "a trajectory's turns share the cache"
                    : "each turn from scratch", s.turns().size(), p[0], p[1], seconds, s.turns().size() / seconds);
            out.flush();
        }
        return 0;
    }
}
