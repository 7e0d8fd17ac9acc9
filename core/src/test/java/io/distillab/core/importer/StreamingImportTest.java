package io.distillab.core.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Import streams: a 256 MB tau-bench file is imported by a separate JVM whose whole heap is 64 MB
 * (reading the file into one tree would need several times the file's size).
 */
class StreamingImportTest {
    /** Entry point of the child JVM: imports the file and prints the count. */
    public static void main(String[] args) {
        AtomicLong n = new AtomicLong();
        TrajectoryImporter.importPath(Path.of(args[0]), TrajectoryFormat.TAU_BENCH, null, t -> n.incrementAndGet());
        System.out.println("trajectories=" + n.get());
    }

    @Test
    void a256MegabyteFileImportsInA64MegabyteHeap(@TempDir Path tmp) throws Exception {
        JsonNode real = new ObjectMapper().readTree(BundledDataTest.data("tau-bench/gpt-4o-airline.json").toFile());
        byte[] record = real.get(0).toString().getBytes(StandardCharsets.UTF_8);
        long target = 256L << 20;
        int copies = (int) (target / record.length) + 1;
        Path big = tmp.resolve("big-airline.json");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(big), 1 << 20)) {
            out.write('[');
            for (int i = 0; i < copies; i++) {
                if (i > 0) {
                    out.write(',');
                }
                out.write(record);
            }
            out.write(']');
        }
        assertTrue(Files.size(big) >= target);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                StreamingImportTest.class.getName(), big.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child import finished");
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("trajectories=" + copies), output);
    }
}
