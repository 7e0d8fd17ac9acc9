package io.distillab.judge.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Prints a benchmark line and appends it to target/bench/judge-bench.md for docs/performance.md. */
final class BenchReport {
    private static final Path FILE = Path.of("target", "bench", "judge-bench.md");

    private BenchReport() {
    }

    static void line(String text) {
        System.out.println("[bench] " + text);
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, text + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
