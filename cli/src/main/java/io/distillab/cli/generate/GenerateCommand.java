package io.distillab.cli.generate;

import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.training.data.DataException;
import io.distillab.training.data.Tokenizer;
import io.distillab.training.data.TrajectoryRenderer;
import io.distillab.training.generate.Generator;
import io.distillab.training.generate.Sampler;
import io.distillab.training.generate.TurnWriter;
import io.distillab.training.model.CausalLm;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code distillab generate}: what a student writes after a prompt, or at a trajectory's assistant turn. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"What a student writes after a prompt or at a trajectory's assistant turn.",
            "Continues a prompt, or a trajectory at one of its assistant turns (rendered as training renders",
            "it; the teacher's turn is printed first), with a student checkpoint: greedy by default, or sampled.",
            "For looking at what a student does, on the CPU (with a key/value cache), one sequence at a time."})
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StudentCheckpoint checkpoint;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "The text to continue, as it is (no chat template).")
    String prompt;

    @Option(names = "--data", paramLabel = "FILE", description = "A trajectory file: continue one of its trajectories.")
    Path data;

    @Option(names = "--format", paramLabel = "FORMAT", description = "Format of --data (default: detected).")
    String format;

    @Option(names = "--record", paramLabel = "N", defaultValue = "0", description = "Which trajectory of --data, from 0 (default 0).")
    int record;

    @Option(names = "--turn", paramLabel = "K", defaultValue = "1",
            description = "Which assistant message of it the student writes, from 1 (default 1).")
    int turn;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "256", description = "New tokens at most (default 256).")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0", description = "0 (default): greedy.")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Sample from the K likeliest tokens (0: all).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "Sample from the smallest set of likeliest tokens of probability P (1: all).")
    double topP;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Seed of the sampling (default 0).")
    long seed;

    @Override
    public Integer call() {
        if ((prompt == null) == (data == null)) {
            throw new ParameterException(spec.commandLine(), "give --prompt TEXT or --data FILE (one of them)");
        }
        if (maxTokens < 1) {
            throw new ParameterException(spec.commandLine(), "--max-tokens must be at least 1, got " + maxTokens);
        }
        Sampler sampler;
        try {
            sampler = new Sampler(temperature, topK, topP, seed);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--temperature/--top-k/--top-p: " + e.getMessage());
        }
        CausalLm model = checkpoint.model();
        Tokenizer tok = checkpoint.tokenizer();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();

        String text = prompt;
        Trajectory t = null;
        if (data != null) {
            t = trajectory();
            text = new TrajectoryRenderer(tok).prompt(t, turn);
        }
        TurnWriter writer = new TurnWriter(model, tok, t != null && tok.chatTemplate() == null);
        boolean[] started = {false};
        Trajectory teacher = t;
        long t0 = System.nanoTime();
        TurnWriter.Written w = writer.write(text, maxTokens, sampler, piece -> {
            if (!started[0]) { // the prompt is accepted: the teacher's turn first
                started[0] = true;
                header(out, teacher);
            }
            out.print(piece);
            out.flush();
        });
        if (!started[0]) {
            header(out, teacher);
        }
        out.println();
        out.flush();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (w.cut() > 0) {
            err.printf(Locale.ROOT, "distillab: the prompt's first %d tokens were cut to fit the student's context of %d"
                    + " positions%n", w.cut(), model.config().maxPositions());
        }
        String why = w.stop() == Generator.Stop.STOP_TOKEN ? "end of turn"
                : w.stop() == Generator.Stop.MAX_TOKENS ? "--max-tokens " + maxTokens : "the model's context is full";
        err.printf(Locale.ROOT, "distillab: %d tokens after a prompt of %d in %.2f s (%.1f tok/s); stopped at %s%n",
                w.tokens(), w.prompt(), seconds, w.tokens() / seconds, why);
        err.flush();
        return 0;
    }

    private void header(PrintWriter out, Trajectory t) {
        if (t != null) {
            out.println("### teacher (" + data.getFileName() + " record " + record + ", assistant turn " + turn + ")");
            out.print(TrajectoryRenderer.plainTurn(t, turn));
            out.println("### student");
        }
    }

    private Trajectory trajectory() {
        if (record < 0) {
            throw new ParameterException(spec.commandLine(), "--record must be >= 0, got " + record);
        }
        List<Trajectory> all = new ArrayList<>();
        TrajectoryImporter.importPath(data, format == null ? null : TrajectoryFormat.fromName(format), null, all::add);
        if (record >= all.size()) {
            throw new DataException(data + ": no record " + record + " (it has " + all.size() + " trajectories)");
        }
        return all.get(record);
    }
}
