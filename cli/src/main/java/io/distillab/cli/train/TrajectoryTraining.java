package io.distillab.cli.train;

import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.training.data.DataException;
import io.distillab.training.data.Prepare;
import io.distillab.training.data.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code distillab train --data FILE...}: the trajectories are prepared (as {@code distillab
 * prepare} does) into a folder beside --out, trained on, and kept as {@code DIR/prepared/} once the
 * run has succeeded; on bad input nothing appears under --out.
 */
final class TrajectoryTraining {
    private TrajectoryTraining() {
    }

    static Path prepare(List<Path> files, String format, String tokenizer, Path student, int context, boolean truncate,
                        Path out, Integer threads, PrintWriter err) {
        TrajectoryFormat f;
        try {
            f = format == null ? null : TrajectoryFormat.fromName(format);
        } catch (IllegalArgumentException e) {
            throw new DataException("--format: " + e.getMessage());
        }
        Tokenizer tok = Tokenizer.load(tokenizer != null ? tokenizer : studentTokenizer(student));
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        long t0 = System.nanoTime();
        Prepare.Prepared p = Prepare.run(files, f, tok, context, truncate, n);
        Path abs = out.toAbsolutePath();
        Path dir;
        try {
            Files.createDirectories(abs.getParent());
            dir = Files.createTempDirectory(abs.getParent(), "." + abs.getFileName() + ".prepared-");
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write beside " + out + ": " + e.getMessage(), e);
        }
        Prepare.write(p, dir);
        err.printf(Locale.ROOT, "distillab: prepared %s trajectories into %s rows of %d tokens with %s (%.1f s)%n",
                p.report().get("trajectories"), p.report().get("rows"), context, tok.name(), (System.nanoTime() - t0) / 1e9);
        err.flush();
        return dir;
    }

    /** The student's own tokenizer: its checkpoint folder, or the folder of its config.json. */
    private static String studentTokenizer(Path student) {
        Path dir = Files.isDirectory(student) ? student : student.toAbsolutePath().getParent();
        if (dir == null || !Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new DataException("--tokenizer: the student " + student + " has no tokenizer.json beside it;"
                    + " give --tokenizer DIR or gpt2");
        }
        return dir.toString();
    }

    /** Moves the prepared folder to DIR/prepared (replacing an earlier one of a resumed run). */
    static void keep(Path prepared, Path out) {
        Path target = out.resolve("prepared");
        try {
            if (Files.exists(target)) {
                deleteTree(target);
            }
            Files.move(prepared, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the prepared data in " + target + ": " + e.getMessage(), e);
        }
    }

    static void discard(Path prepared) {
        if (prepared != null && Files.exists(prepared)) {
            deleteTree(prepared);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
