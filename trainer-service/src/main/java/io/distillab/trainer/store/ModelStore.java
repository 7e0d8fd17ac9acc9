package io.distillab.trainer.store;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The model store: one directory, shared by every replica (a volume in Kubernetes), holding the
 * checkpoints jobs start from and everything a job writes. Layout:
 * <pre>
 * models/NAME/            checkpoints in the Hugging Face layout (students and teachers by name)
 * topk/NAME/              sparse teachers: IDX.npy and LOGP.npy
 * tokenizers/NAME/        tokenizer folders (tokenizer.json, tokenizer_config.json)
 * jobs/ID/data/FILE       the job's trajectories (an upload, or a dataset fetched from metrics-service)
 * jobs/ID/student-config.json   a new student's config, when the job creates one
 * jobs/ID/out/            the training's --out: metrics.jsonl, checkpoint-STEP/, final/, loss.svg
 * incoming/               uploads being received (moved under jobs/ID once the job exists)
 * </pre>
 * Names given by users are single path elements (letters, digits, '.', '_', '-'; not starting with
 * '.'), so a request can never address anything outside the store.
 */
public final class ModelStore {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,199}");

    private final Path root;

    public ModelStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** Whether {@code name} may name a folder of the store. */
    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    public Path model(String name) {
        return named("models", name);
    }

    public Path topk(String name) {
        return named("topk", name);
    }

    public Path tokenizer(String name) {
        return named("tokenizers", name);
    }

    public Path job(long id) {
        return root.resolve("jobs").resolve(Long.toString(id));
    }

    public Path jobData(long id) {
        return job(id).resolve("data");
    }

    public Path jobOut(long id) {
        return job(id).resolve("out");
    }

    /** The final student of a job's run (HF layout; with LoRA the adapter), once written. */
    public Path finalStudent(long id) {
        return jobOut(id).resolve("final");
    }

    public Path incoming() throws IOException {
        return Files.createDirectories(root.resolve("incoming"));
    }

    /** The names of the folders of one kind ("models", "topk", "tokenizers"), sorted. */
    public List<String> list(String kind) {
        Path dir = root.resolve(kind);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(ModelStore::validName)
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The step of the newest complete checkpoint under a job's out folder ({@code checkpoint-STEP}). */
    public Optional<Long> lastCheckpoint(long id) {
        Path out = jobOut(id);
        if (!Files.isDirectory(out)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(out)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("checkpoint-\\d{1,18}"))
                    .map(n -> Long.parseLong(n.substring("checkpoint-".length()))).max(Long::compare);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Moves a file or folder into place in one step (same file system), replacing nothing. */
    public static void moveAtomically(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Deletes a folder and everything under it; nothing when it is absent. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Writes the files under {@code dir} as a zip to {@code out}, entries relative to {@code dir}
     * (so unzipping gives the folder's content), file by file without holding any file whole.
     * Safetensors are already dense floats; they are stored, not deflated, which costs nothing in size
     * and keeps a multi-gigabyte download from being CPU-bound.
     */
    public static void zip(Path dir, OutputStream out) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        ZipOutputStream zip = new ZipOutputStream(out);
        for (Path f : files) {
            String name = dir.relativize(f).toString().replace('\\', '/');
            ZipEntry e = new ZipEntry(name);
            if (name.endsWith(".safetensors")) {
                zip.setLevel(0);
            } else {
                zip.setLevel(6);
            }
            e.setTime(Files.getLastModifiedTime(f).toMillis());
            zip.putNextEntry(e);
            Files.copy(f, zip);
            zip.closeEntry();
        }
        zip.finish();
        zip.flush();
    }

    private Path named(String kind, String name) {
        if (!validName(name)) {
            throw new IllegalArgumentException("not a store name: " + name);
        }
        return root.resolve(kind).resolve(name);
    }
}
