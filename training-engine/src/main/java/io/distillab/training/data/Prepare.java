package io.distillab.training.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.distillab.core.importer.ImportException;
import io.distillab.core.importer.ImportReport;
import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.trajectory.Message;
import io.distillab.core.trajectory.Role;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.training.loss.SpanType;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.Stream;

/**
 * {@code distillab prepare}: trajectory files to training rows (SPEC section 7). Imports the files
 * with core's importers, renders and types each trajectory ({@link TrajectoryRenderer}), tokenizes
 * (in parallel; results keep the files' order), cuts and packs ({@link PackedRows}). The output
 * folder holds {@code tokens.npy} int32, {@code spans.npy} int8, {@code positions.npy} int32 (all
 * [rows, L]), {@code complexity.npy} int64 [rows, 2] (the curriculum's key) and
 * {@code prepare.json}; it is written under a temporary name and renamed, so a failed run leaves
 * nothing.
 */
public final class Prepare {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What was prepared: the rows, the sequences they came from, and the report of prepare.json. */
    public record Prepared(PackedRows rows, List<TokenizedSequence> sequences, Map<String, Object> report) {
    }

    private Prepare() {
    }

    /**
     * @param format  the files' format, or null to detect it per file
     * @param threads rendering and tokenizing threads
     * @throws DataException on bad input (file, record and cause in one line)
     */
    public static Prepared run(List<Path> files, TrajectoryFormat format, Tokenizer tokenizer, int context,
                               boolean truncate, int threads) {
        List<Trajectory> trajectories = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Path f : files) {
            try {
                ImportReport r = TrajectoryImporter.importPath(f, format, null, trajectories::add);
                skipped.addAll(r.skipped());
            } catch (ImportException e) {
                throw new DataException(e.getMessage(), e);
            }
        }
        if (trajectories.isEmpty()) {
            throw new DataException(files + ": no trajectories");
        }
        TrajectoryRenderer renderer = new TrajectoryRenderer(tokenizer);
        int overhead = overhead(renderer, tokenizer);
        if (context <= overhead) {
            throw new DataException("--context " + context + " is smaller than the chat template's overhead: "
                    + "an empty user/assistant exchange alone takes " + overhead + " tokens with "
                    + tokenizer.name());
        }
        List<TokenizedSequence> sequences = tokenize(trajectories, renderer, tokenizer, threads);
        PackedRows rows = PackedRows.pack(sequences, context, truncate);
        return new Prepared(rows, sequences, report(files, skipped, tokenizer, context, truncate, sequences, rows));
    }

    /** Tokens of an empty user/assistant exchange: what the template writes around any text. */
    static int overhead(TrajectoryRenderer renderer, Tokenizer tokenizer) {
        Trajectory empty = new Trajectory("", "", 0, 0, List.of(
                new Message(Role.USER, "", List.of()), new Message(Role.ASSISTANT, "", List.of())),
                List.of(), null, "(overhead probe)");
        return tokenizer.encode(renderer.render(empty).text()).ids().length;
    }

    private static List<TokenizedSequence> tokenize(List<Trajectory> trajectories, TrajectoryRenderer renderer,
                                                    Tokenizer tokenizer, int threads) {
        ForkJoinPool pool = new ForkJoinPool(Math.max(1, threads));
        try {
            List<Object> results = pool.submit(() -> trajectories.parallelStream().map(t -> {
                try {
                    return (Object) TokenizedSequence.of(renderer.render(t), tokenizer, t.calls().size(), t.source());
                } catch (DataException e) {
                    return e;
                }
            }).toList()).get();
            List<TokenizedSequence> out = new ArrayList<>(results.size());
            for (Object r : results) {
                if (r instanceof DataException e) {
                    throw e;
                }
                out.add((TokenizedSequence) r);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdown();
        }
    }

    private static Map<String, Object> report(List<Path> files, List<String> skipped, Tokenizer tokenizer, int context,
                                              boolean truncate, List<TokenizedSequence> sequences, PackedRows rows) {
        long[] tokens = new long[SpanType.COUNT];
        long[] positions = new long[SpanType.COUNT];
        long[] labelled = new long[SpanType.COUNT];
        long padding = 0;
        for (int i = 0; i < rows.tokens().length; i++) {
            if (rows.tokens()[i] < 0) {
                padding++;
                continue;
            }
            tokens[rows.spans()[i]]++;
            if (rows.predicts(i)) {
                positions[rows.spans()[i + 1]]++;
                if (rows.labelled(i)) {
                    labelled[rows.spans()[i + 1]]++;
                }
            }
        }
        TokenizedSequence longest = sequences.stream().max(Comparator.comparingInt(TokenizedSequence::length)).orElseThrow();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("tokenizer", tokenizer.name());
        r.put("vocab_size", tokenizer.vocabSize());
        r.put("chat_template", tokenizer.chatTemplate() != null);
        r.put("context", context);
        r.put("truncate", truncate);
        r.put("files", files.stream().map(Path::toString).toList());
        r.put("trajectories", sequences.size());
        r.put("skipped", skipped);
        r.put("sequences", sequences.size());
        r.put("windows", rows.windows());
        r.put("rows", rows.rows());
        r.put("tokens", bySpan(tokens));
        r.put("positions", bySpan(positions));
        r.put("labelled", bySpan(labelled));
        r.put("padding", padding);
        r.put("longest_sequence", Map.of("tokens", longest.length(), "source", longest.source()));
        Map<String, Object> cut = new LinkedHashMap<>();
        cut.put("sequences_longer_than_context", rows.cutSequences());
        cut.put("tokens_dropped_by_truncate", rows.droppedTokens());
        r.put("cut", cut);
        return r;
    }

    private static Map<String, Object> bySpan(long[] counts) {
        Map<String, Object> m = new LinkedHashMap<>();
        long total = 0;
        for (SpanType t : SpanType.values()) {
            m.put(t.key(), counts[t.code()]);
            total += counts[t.code()];
        }
        m.put("total", total);
        return m;
    }

    /** Writes the output folder atomically: a temporary sibling folder renamed into place. */
    public static void write(Prepared p, Path out) {
        Path abs = out.toAbsolutePath();
        Path parent = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".tmp-");
            PackedRows r = p.rows();
            NpyWriter.write(tmp.resolve("tokens.npy"), NpyArray.of(r.tokens(), r.rows(), r.context()));
            NpyWriter.write(tmp.resolve("spans.npy"), NpyArray.of(r.spans(), r.rows(), r.context()));
            NpyWriter.write(tmp.resolve("positions.npy"), NpyArray.of(r.positions(), r.rows(), r.context()));
            NpyWriter.write(tmp.resolve("complexity.npy"), NpyArray.of(r.complexity(), r.rows(), 2));
            JSON.writeValue(tmp.resolve("prepare.json").toFile(), p.report());
            try { // a temporary folder is private (rwx------); the result is an ordinary folder
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (UnsupportedOperationException notPosix) {
                // the platform's defaults stand
            }
            if (Files.exists(abs)) {
                Path old = Files.createTempDirectory(parent, "." + abs.getFileName() + ".old-");
                Files.delete(old);
                Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(old);
            } else {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException ignored) {
            // best effort: a leftover temporary folder is named as such
        }
    }
}
