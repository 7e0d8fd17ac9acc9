package io.distillab.core.importer;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.distillab.core.trajectory.Trajectory;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Reads trajectory files of any supported format, streaming: records are handed to the sink one at
 * a time, so the heap holds one record however large the file. Bad input raises one
 * {@link ImportException} naming file, record and field; callers that must store nothing of a bad
 * file (the service) hand records to a transaction they roll back on that exception.
 */
public final class TrajectoryImporter {
    private TrajectoryImporter() {
    }

    /**
     * Imports a file, or for ToolBench a folder of answer files.
     *
     * @param format        the format, or null to detect it from the path and the first bytes
     * @param modelOverride the model name for every trajectory, or null for the file's own (SPEC section 1)
     */
    public static ImportReport importPath(Path path, TrajectoryFormat format, String modelOverride,
                                          Consumer<Trajectory> sink) {
        if (!Files.exists(path)) {
            throw new ImportException(path.toString(), null, null, "no such file or folder");
        }
        if (format == null) {
            format = detect(path);
        }
        if (Files.isDirectory(path)) {
            if (format != TrajectoryFormat.TOOLBENCH) {
                throw new ImportException(path.toString(), null, null,
                        "is a folder; only the toolbench format imports folders (of answer files)");
            }
            return importToolBenchFolder(path, modelOverride, sink);
        }
        try (InputStream in = Files.newInputStream(path)) {
            return importStream(in, path.toString(), format, modelOverride, sink);
        } catch (IOException e) {
            throw new ImportException(path.toString(), null, null, "cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Imports one stream (an upload, say).
     *
     * @param name the file name: it names the source in messages and gives the default model name
     */
    public static ImportReport importStream(InputStream raw, String name, TrajectoryFormat format,
                                            String modelOverride, Consumer<Trajectory> sink) {
        return importRecords(raw, name, format, modelOverride, (t, rec) -> sink.accept(t));
    }

    /** Like {@link #importStream}, handing on each raw record too (to be stored beside the parsed calls). */
    public static ImportReport importRecords(InputStream raw, String name, TrajectoryFormat format,
                                             String modelOverride, RecordSink sink) {
        CountingStream in = new CountingStream(new BufferedInputStream(raw, 1 << 16));
        Set<String> models = new TreeSet<>();
        int[] handed = {0};
        RecordSink counting = (t, rec) -> {
            models.add(t.model());
            handed[0]++;
            sink.accept(t, rec);
        };
        List<String> skipped = new ArrayList<>();
        String fileName = Path.of(name).getFileName() == null ? name : Path.of(name).getFileName().toString();
        try {
            switch (format) {
                case TAU_BENCH -> {
                    try (JsonParser p = Json.MAPPER.createParser(in)) {
                        TauBenchImporter.read(p, name, modelOverride != null ? modelOverride
                                : ModelNames.fromTauBenchFile(fileName), counting);
                    }
                }
                case TAU2 -> {
                    try (JsonParser p = Json.MAPPER.createParser(in)) {
                        Tau2Importer.read(p, name, modelOverride, ModelNames.fromTauBenchFile(fileName), counting);
                    }
                }
                case TOOLBENCH -> {
                    try (JsonParser p = Json.MAPPER.createParser(in)) {
                        JsonNode root = p.readValueAsTree();
                        Trajectory t = ToolBenchImporter.read(root, name, modelOverride != null ? modelOverride
                                : ModelNames.fromToolBenchFile(fileName));
                        if (t == null) {
                            skipped.add(name);
                        } else {
                            counting.accept(t, root);
                        }
                    }
                }
                case CHAT_JSONL -> {
                    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
                    ChatJsonlImporter.read(r, name, modelOverride, counting);
                }
                default -> throw new IllegalStateException(format.toString());
            }
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = format == TrajectoryFormat.TOOLBENCH ? null : recordWord(format) + " " + handed[0];
            throw new ImportException(name, where, null, "not valid JSON"
                    + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr())
                    + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ImportException(name, null, null, "cannot read: " + e.getMessage(), e);
        }
        return new ImportReport(name, format, handed[0], skipped, in.count, models);
    }

    private static String recordWord(TrajectoryFormat f) {
        return f == TrajectoryFormat.TAU2 ? "simulation" : "record";
    }

    private static ImportReport importToolBenchFolder(Path dir, String modelOverride, Consumer<Trajectory> sink) {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> Files.isRegularFile(f) && ModelNames.isToolBenchAnswerFile(f.getFileName().toString()))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (files.isEmpty()) {
            throw new ImportException(dir.toString(), null, null,
                    "holds no ToolBench answer files ({query_id}_{method}.json)");
        }
        int count = 0;
        long bytes = 0;
        List<String> skipped = new ArrayList<>();
        Set<String> models = new TreeSet<>();
        for (Path f : files) {
            ImportReport r = importPath(f, TrajectoryFormat.TOOLBENCH, modelOverride, sink);
            count += r.trajectories();
            bytes += r.bytes();
            skipped.addAll(r.skipped());
            models.addAll(r.models());
        }
        return new ImportReport(dir.toString(), TrajectoryFormat.TOOLBENCH, count, skipped, bytes, models);
    }

    /** Guesses the format: a folder or answer-file name is ToolBench, .jsonl is chat JSONL, else by content. */
    public static TrajectoryFormat detect(Path path) {
        if (Files.isDirectory(path)) {
            return TrajectoryFormat.TOOLBENCH;
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".jsonl")) {
            return TrajectoryFormat.CHAT_JSONL;
        }
        byte[] head = new byte[1 << 16];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new ImportException(path.toString(), null, null, "cannot read: " + e.getMessage(), e);
        }
        String s = new String(head, 0, n, StandardCharsets.UTF_8);
        String t = s.stripLeading();
        if (t.startsWith("[")) {
            return listFormat(path);
        }
        if (t.startsWith("{")) {
            TrajectoryFormat byFields = objectFormat(path);
            if (byFields != null) {
                return byFields;
            }
            if (t.indexOf('\n') > 0 && s.contains("\"messages\"")) {
                return TrajectoryFormat.CHAT_JSONL;
            }
            return TrajectoryFormat.TAU2;
        }
        throw new ImportException(path.toString(), null, null,
                "cannot tell the format (not a JSON list, object or JSONL); pass --format");
    }

    /**
     * A file that starts with an object: ToolBench's answer file ({@code answer_generation}, or its
     * search {@code tree} and {@code win}, which come first and can fill megabytes), tau2's results
     * object ({@code simulations}, {@code tasks}) or the first line of chat JSONL
     * ({@code messages}), told apart by the first object's own field names, read as a stream that
     * skips their values. Null when the fields say none of these.
     */
    private static TrajectoryFormat objectFormat(Path path) {
        try (JsonParser p = Json.MAPPER.createParser(Files.newInputStream(path))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            boolean messages = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                switch (p.currentName()) {
                    case "answer_generation", "tree", "win" -> {
                        return TrajectoryFormat.TOOLBENCH;
                    }
                    case "simulations", "tasks" -> {
                        return TrajectoryFormat.TAU2;
                    }
                    case "messages" -> messages = true;
                    default -> { }
                }
                p.nextToken();
                p.skipChildren();
            }
            return messages ? TrajectoryFormat.CHAT_JSONL : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A JSON list is tau-bench's records ({@code traj}) or tau2's bare list of simulations
     * ({@code messages}): told apart by the first record's own field names, read as a stream that
     * skips their values, so however long that record is only it is read. A list that says neither
     * is left to the tau-bench importer, whose error names what is missing.
     */
    private static TrajectoryFormat listFormat(Path path) {
        try (JsonParser p = Json.MAPPER.createParser(Files.newInputStream(path))) {
            if (p.nextToken() != JsonToken.START_ARRAY || p.nextToken() != JsonToken.START_OBJECT) {
                return TrajectoryFormat.TAU_BENCH;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                switch (p.currentName()) {
                    case "traj" -> {
                        return TrajectoryFormat.TAU_BENCH;
                    }
                    case "messages" -> {
                        return TrajectoryFormat.TAU2;
                    }
                    default -> {
                        p.nextToken();
                        p.skipChildren();
                    }
                }
            }
            return TrajectoryFormat.TAU_BENCH;
        } catch (JsonProcessingException e) {
            return TrajectoryFormat.TAU_BENCH; // the importer reports where the JSON breaks
        } catch (IOException e) {
            throw new ImportException(path.toString(), null, null, "cannot read: " + e.getMessage(), e);
        }
    }

    /** Counts bytes read, for the import report and throughput figures. */
    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            count += s;
            return s;
        }
    }
}
