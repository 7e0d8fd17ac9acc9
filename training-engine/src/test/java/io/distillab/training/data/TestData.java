package io.distillab.training.data;

import io.distillab.core.importer.TrajectoryFormat;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.trajectory.Trajectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The bundled data and the real tokenizers the tests use (loaded once: Qwen3's takes seconds). */
final class TestData {
    private TestData() {
    }

    static final Path TAU_BENCH = data("tau-bench/gpt-4o-airline.json");
    static final Path TOOLBENCH = data("toolbench");

    private static Tokenizer qwen3;
    private static Tokenizer llama3;

    static Path data(String rel) {
        return Path.of(System.getProperty("distillab.root", "../")).resolve("data").resolve(rel);
    }

    /** The tokenizer folders fetched by the build (src/test/scripts/fetch-tokenizers.sh). */
    static Path tokenizerDir(String name) {
        Path dir = Path.of(System.getProperty("distillab.testTokenizers", "target/test-tokenizers")).resolve(name);
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new IllegalStateException(dir + " has no tokenizer.json: build the tests with Maven, which fetches it");
        }
        return dir;
    }

    static synchronized Tokenizer qwen3() {
        if (qwen3 == null) {
            qwen3 = Tokenizer.load(tokenizerDir("qwen3").toString());
        }
        return qwen3;
    }

    static synchronized Tokenizer llama3() {
        if (llama3 == null) {
            llama3 = Tokenizer.load(tokenizerDir("llama3").toString());
        }
        return llama3;
    }

    static Tokenizer tokenizer(String name) {
        return switch (name) {
            case "gpt2" -> Tokenizer.load("gpt2");
            case "qwen3" -> qwen3();
            case "llama3" -> llama3();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** Imports a bundled file (ToolBench's by name: some of its files are too big to detect by their head). */
    static List<Trajectory> load(Path path) {
        List<Trajectory> out = new ArrayList<>();
        TrajectoryImporter.importPath(path, path.toString().contains("toolbench") ? TrajectoryFormat.TOOLBENCH : null,
                null, out::add);
        return out;
    }

    /** The first n tau-bench trajectories and every ToolBench one: what the span tests check. */
    static List<Trajectory> sample(int tauBench) {
        List<Trajectory> out = new ArrayList<>(load(TAU_BENCH).subList(0, tauBench));
        out.addAll(load(TOOLBENCH.resolve("G1_answer")));
        out.addAll(load(TOOLBENCH.resolve("G2_answer")));
        out.addAll(load(TOOLBENCH.resolve("G3_answer")));
        return out;
    }
}
