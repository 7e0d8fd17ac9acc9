package io.distillab.cli.generate;

import io.distillab.training.data.DataException;
import io.distillab.training.data.Tokenizer;
import io.distillab.training.model.CausalLm;
import io.distillab.training.model.HfCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The student checkpoint, its tokenizer and the CPU threads of generate and evaluate (a picocli mixin). */
public final class StudentCheckpoint {
    @Option(names = "--student", required = true, paramLabel = "DIR", description = "A checkpoint folder (HF layout).")
    Path student;

    @Option(names = "--tokenizer", paramLabel = "DIR|gpt2", description = "Tokenizer (default: the student's folder).")
    String tokenizer;

    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: the processors).")
    Integer threads;

    Path folder() {
        return student;
    }

    /** @throws DataException when --student is not a folder */
    CausalLm model() {
        if (!Files.isDirectory(student)) {
            throw new DataException("--student " + student + ": not a checkpoint folder");
        }
        return HfCheckpoints.load(student, threads != null ? threads : Runtime.getRuntime().availableProcessors());
    }

    /** --tokenizer, else the student folder's own tokenizer.json. */
    Tokenizer tokenizer() {
        if (tokenizer != null) {
            return Tokenizer.load(tokenizer);
        }
        if (!Files.isRegularFile(student.resolve("tokenizer.json"))) {
            throw new DataException("--tokenizer: the student " + student + " has no tokenizer.json; give --tokenizer DIR"
                    + " or gpt2");
        }
        return Tokenizer.load(student.toString());
    }
}
