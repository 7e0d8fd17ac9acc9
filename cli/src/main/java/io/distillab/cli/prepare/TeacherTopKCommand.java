package io.distillab.cli.prepare;

import io.distillab.training.data.TeacherTopK;
import io.distillab.training.model.CausalLm;
import io.distillab.training.model.HfCheckpoints;
import io.distillab.training.train.TrainingData;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code distillab teacher-topk}: a teacher's top-k next-token log-probabilities over prepared rows. */
@Command(name = "teacher-topk", mixinStandardHelpOptions = true,
        description = {"Stores a teacher's top-k next tokens for train --teacher-topk.",
            "Runs a teacher checkpoint forward over a prepared folder and writes its top-k next tokens and",
            "log-probabilities per position, IDX.npy (int32) and LOGP.npy (float32) [rows, L, k]."})
public final class TeacherTopKCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--teacher", required = true, paramLabel = "DIR", description = "Teacher checkpoint (HF layout).")
    Path teacher;

    @Option(names = "--prepared", required = true, paramLabel = "DIR", description = "A folder written by distillab prepare.")
    Path prepared;

    @Option(names = "--k", required = true, paramLabel = "K", description = "Entries kept per position.")
    int k;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder for IDX.npy and LOGP.npy.")
    Path out;

    @Option(names = "--batch-rows", paramLabel = "B", defaultValue = "4", description = "Rows per forward pass (default 4).")
    int batchRows;

    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: the processors).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(out)) {
            throw new ParameterException(spec.commandLine(), "--out " + out + ": exists already");
        }
        if (batchRows < 1) {
            throw new ParameterException(spec.commandLine(), "--batch-rows must be at least 1");
        }
        TrainingData data = TrainingData.fromPreparedFolder(prepared);
        int vocab = preparedVocab(prepared);
        CausalLm model = HfCheckpoints.load(teacher, threads != null ? threads : Runtime.getRuntime().availableProcessors());
        data.checkVocabulary(Math.min(vocab, model.config().vocabSize()), "the teacher's");
        PrintWriter err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        TeacherTopK.Result r = TeacherTopK.run(model, data.tokens(), data.positions(), data.rows(), data.length(), k,
                vocab, batchRows, (done, rows, tokens) -> {
                    double s = (System.nanoTime() - t0) / 1e9;
                    err.printf(Locale.ROOT, "teacher-topk: rows %d/%d  %.0f tok/s  ETA %.0fs%n", done, rows, tokens / s,
                            s / done * (rows - done));
                    err.flush();
                });
        TeacherTopK.write(r, out);
        err.printf(Locale.ROOT, "teacher-topk: wrote %s/IDX.npy and LOGP.npy [%d, %d, %d]%n", out, r.rows(), r.length(), k);
        return 0;
    }

    /** The tokenizer's vocabulary size from prepare.json, or no limit. */
    private static int preparedVocab(Path dir) throws java.io.IOException {
        Path meta = dir.resolve("prepare.json");
        if (Files.isRegularFile(meta)) {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(meta.toFile());
            if (node.has("vocab_size")) {
                return node.get("vocab_size").asInt();
            }
        }
        return Integer.MAX_VALUE;
    }
}
