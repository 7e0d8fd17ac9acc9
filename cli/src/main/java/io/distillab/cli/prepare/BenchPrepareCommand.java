package io.distillab.cli.prepare;

import io.distillab.training.data.Prepare;
import io.distillab.training.data.TokenizedSequence;
import io.distillab.training.data.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code distillab bench prepare}: tokens per second of {@code prepare} (import, render, type,
 * tokenize, pack) and of tokenizing alone (the rendered texts encoded again in parallel), the
 * median of several runs after a warm-up; the tokenizer's loading is timed apart.
 */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = "Time distillab prepare: tokens/s of the whole and of tokenizing alone.")
public final class BenchPrepareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data", arity = "1..*", required = true, paramLabel = "FILE", description = "Trajectory files.")
    List<Path> data;

    @Option(names = "--tokenizer", required = true, paramLabel = "DIR|gpt2", description = "Tokenizer.")
    String tokenizer;

    @Option(names = "--context", defaultValue = "2048", paramLabel = "L", description = "Row length (default 2048).")
    int context;

    @Option(names = "--runs", defaultValue = "5", paramLabel = "N", description = "Timed runs after one warm-up (default 5).")
    int runs;

    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: the processors).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        long t0 = System.nanoTime();
        Tokenizer tok = Tokenizer.load(tokenizer);
        double load = (System.nanoTime() - t0) / 1e9;
        Prepare.Prepared warm = Prepare.run(data, null, tok, context, false, n);
        long tokens = warm.sequences().stream().mapToLong(TokenizedSequence::length).sum();
        List<String> texts = warm.sequences().stream().map(s -> s.rendered().text()).toList();
        double[] whole = new double[runs];
        double[] encode = new double[runs];
        ForkJoinPool pool = new ForkJoinPool(n);
        try {
            for (int r = 0; r < runs; r++) {
                long a = System.nanoTime();
                Prepare.run(data, null, tok, context, false, n);
                whole[r] = (System.nanoTime() - a) / 1e9;
                long b = System.nanoTime();
                pool.submit(() -> texts.parallelStream().mapToInt(t -> tok.encode(t).ids().length).sum()).get();
                encode[r] = (System.nanoTime() - b) / 1e9;
            }
        } finally {
            pool.shutdown();
        }
        double wholeMedian = median(whole);
        double encodeMedian = median(encode);
        out.printf(Locale.ROOT, "tokenizer %s loaded in %.2f s; %d trajectories, %d tokens, %d threads%n",
                tok.name(), load, warm.sequences().size(), tokens, n);
        out.printf(Locale.ROOT, "prepare (import+render+type+tokenize+pack): median %.3f s = %.0f tokens/s%n",
                wholeMedian, tokens / wholeMedian);
        out.printf(Locale.ROOT, "tokenize alone (rendered texts):          median %.3f s = %.0f tokens/s%n",
                encodeMedian, tokens / encodeMedian);
        out.flush();
        return 0;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
