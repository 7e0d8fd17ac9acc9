package io.distillab.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.cli.CliRun;
import io.distillab.training.model.HfCheckpoints;
import io.distillab.training.model.ModelConfig;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyWriter;
import io.distillab.training.safetensors.SafeTensorsReader;
import io.distillab.training.safetensors.SafeTensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {
    private static final int VOCAB = 40;
    private static final int L = 12;

    @TempDir
    Path dir;
    private Path student;
    private Path tokens;
    private Path spans;

    static String qwen3(int vocab) {
        return "{\"model_type\": \"qwen3\", \"vocab_size\": " + vocab + ", \"hidden_size\": 16, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"head_dim\": 8, \"intermediate_size\": 32,"
                + " \"max_position_embeddings\": 64, \"tie_word_embeddings\": true}";
    }

    @BeforeEach
    void writeInputs() throws Exception {
        student = dir.resolve("student.json");
        Files.writeString(student, qwen3(VOCAB));
        SplittableRandom random = new SplittableRandom(1);
        int rows = 8;
        int[] t = new int[rows * L];
        byte[] s = new byte[rows * L];
        for (int i = 0; i < t.length; i++) {
            t[i] = random.nextInt(VOCAB);
            s[i] = (byte) (i % L / 3 % 4);
        }
        tokens = dir.resolve("tokens.npy");
        spans = dir.resolve("spans.npy");
        NpyWriter.write(tokens, NpyArray.of(t, rows, L));
        NpyWriter.write(spans, NpyArray.of(s, rows, L));
    }

    /** The command with tiny defaults; an option in {@code more} replaces its default. */
    private List<String> args(Path out, String... more) {
        List<String> given = List.of(more);
        String[][] defaults = {{"--student", student.toString()}, {"--tokens", tokens.toString()},
            {"--spans", spans.toString()}, {"--steps", "3"}, {"--batch-size", "4"}, {"--threads", "1"},
            {"--device", "cpu"}, {"--out", out.toString()}};
        List<String> a = new ArrayList<>(List.of("train"));
        for (String[] d : defaults) {
            if (!given.contains(d[0])) {
                a.addAll(List.of(d));
            }
        }
        a.addAll(given);
        return a;
    }

    /** Exit code 2, one line naming the problem, and nothing under --out. */
    private void assertRefused(List<String> args, String expectedPart) {
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        String[] lines = r.err().strip().split("\\R");
        assertEquals(1, lines.length, r.err());
        assertTrue(lines[0].startsWith("distillab: error: "), lines[0]);
        assertTrue(lines[0].contains(expectedPart), lines[0]);
        assertFalse(Files.exists(dir.resolve("out")), "nothing written under --out");
    }

    @Test
    void trainsAndWritesMetricsChartAndCheckpoints() throws Exception {
        CliRun r = CliRun.of(args(dir.resolve("out"), "--checkpoint-every", "2").toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("step 3/3  loss "), r.err());
        assertTrue(r.err().contains(" tok/s  ETA "), r.err());
        List<String> lines = Files.readAllLines(dir.resolve("out/metrics.jsonl"));
        assertEquals(3, lines.size());
        assertTrue(lines.get(0).matches("\\{\"step\": 1, \"loss\": [^,]+, \"kl\": 0.0, \"ce\": [^,]+, \"lr\": [^,]+, "
                + "\"grad_norm\": [^,]+, \"tokens\": 48, \"tokens_per_s\": [^,]+, \"spans\": \\{\"reason\": \\{\"kl\": 0.0, "
                + "\"ce\": [^}]+\\}, \"action\": \\{[^}]+\\}, \"observation\": \\{[^}]+\\}, \"other\": \\{[^}]+\\}\\}\\}"),
                lines.get(0));
        assertTrue(Files.isRegularFile(dir.resolve("out/checkpoint-2/model.safetensors")));
        assertTrue(Files.isRegularFile(dir.resolve("out/checkpoint-2/training_state/optimizer.safetensors")));
        assertTrue(Files.isRegularFile(dir.resolve("out/final/config.json")));
        assertTrue(Files.readString(dir.resolve("out/loss.svg")).startsWith("<svg"));
    }

    @Test
    void heldOutRowsAreEvaluatedIntoTheirOwnFileAndOnStderr() throws Exception {
        CliRun r = CliRun.of(args(dir.resolve("out"), "--eval-fraction", "0.25", "--eval-every", "2", "--keep-best")
                .toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("distillab: holding out 2 of 8 rows for evaluation"), r.err());
        for (int step : new int[] {0, 2, 3}) {
            assertTrue(r.err().contains("held-out after step " + step + ": loss "), r.err());
        }
        List<String> lines = Files.readAllLines(dir.resolve("out/eval.jsonl"));
        assertEquals(3, lines.size());
        assertTrue(lines.get(1).matches("\\{\"step\": 2, \"loss\": [^,]+, \"kl\": 0.0, \"ce\": [^,]+, \"rows\": 2, "
                + "\"tokens\": \\d+, \"spans\": \\{\"reason\": \\{\"kl\": 0.0, \"ce\": [^}]+\\}, .*\\}\\}"), lines.get(1));
        assertEquals(3, Files.readAllLines(dir.resolve("out/metrics.jsonl")).size(), "held-out lines stay out of metrics.jsonl");
        assertTrue(r.err().contains("distillab: best/ now holds the weights after step 0 (held-out loss "), r.err());
        assertTrue(r.err().matches("(?s).*\\ndistillab: held-out loss [0-9.]+ after step 0, [0-9.]+ after step 3; lowest"
                + " [0-9.]+ after step \\d \\(its weights in .*best\\)\\n"), r.err());
        assertTrue(Files.isRegularFile(dir.resolve("out/best/model.safetensors")));
        assertTrue(lines.contains(Files.readString(dir.resolve("out/best/eval.json")).strip()),
                "best/eval.json is one of the evaluations");
    }

    @Test
    void badInputExitsWithCodeTwoAndOneLine() throws Exception {
        Path out = dir.resolve("out");
        Path mamba = dir.resolve("mamba.json");
        Files.writeString(mamba, "{\"model_type\": \"mamba\", \"vocab_size\": 40}");
        assertRefused(args(out, "--student", mamba.toString()), "model_type mamba is not supported");

        Path broken = dir.resolve("broken");
        HfCheckpoints.save(HfCheckpoints.create(ModelConfig.parse(qwen3(VOCAB), "student"), 1, 1), broken);
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensorsReader full = SafeTensorsReader.open(broken.resolve("model.safetensors"))) {
            for (String name : full.names()) {
                if (!name.equals("model.layers.1.mlp.up_proj.weight")) {
                    w.add(name, full.info(name).shape(), full.readFloats(name));
                }
            }
        }
        w.write(broken.resolve("model.safetensors"), Map.of());
        assertRefused(args(out, "--student", broken.toString()), "tensor model.layers.1.mlp.up_proj.weight is missing");

        Path teacher = dir.resolve("teacher");
        Path studentDir = dir.resolve("studentdir");
        HfCheckpoints.save(HfCheckpoints.create(ModelConfig.parse(qwen3(VOCAB), "teacher"), 2, 1), teacher);
        HfCheckpoints.save(HfCheckpoints.create(ModelConfig.parse(qwen3(VOCAB), "student"), 3, 1), studentDir);
        Files.writeString(teacher.resolve("tokenizer.json"), "{\"model\": {\"vocab\": {\"a\": 0}}}");
        Files.writeString(studentDir.resolve("tokenizer.json"), "{\"model\": {\"vocab\": {\"b\": 0}}}");
        assertRefused(args(out, "--student", studentDir.toString(), "--teacher", teacher.toString()), "its tokenizer.json differs from the student's");

        Path small = dir.resolve("small.json");
        Files.writeString(small, qwen3(30));
        assertRefused(args(out, "--student", small.toString()), "is out of range 0..29");

        Path otherShape = dir.resolve("spans2.npy");
        NpyWriter.write(otherShape, NpyArray.of(new byte[8 * 11], 8, 11));
        assertRefused(args(out, "--spans", otherShape.toString()), "spans2.npy: shape (8, 11) differs from tokens.npy's (8, 12)");

        Path huge = dir.resolve("huge.json");
        Files.writeString(huge, "{\"model_type\": \"llama\", \"vocab_size\": 152000, \"hidden_size\": 8192,"
                + " \"num_hidden_layers\": 80, \"num_attention_heads\": 64, \"num_key_value_heads\": 8,"
                + " \"intermediate_size\": 28672}");
        assertRefused(args(out, "--student", huge.toString()), "but the Java heap has");

        // (whether a GPU is there or not: LoRA is refused on the GPU before the device is opened)
        assertRefused(args(out, "--device", "cuda", "--lora"), "--lora: LoRA is trained on the CPU only in this build");
        assertRefused(args(out, "--device", "cpu", "--precision", "bf16"), "--precision bf16: the CPU trains in fp32");
        assertRefused(args(out, "--grad-accum", "3"), "--grad-accum 3: must be >= 1 and divide --batch-size 4");
        assertRefused(args(out, "--preset", "sad"), "but no teacher");
        assertRefused(args(out, "--eval-fraction", "1.5"), "--eval-fraction must be a fraction in [0, 1), got 1.5");
        assertRefused(args(out, "--eval-every", "2"), "--eval-every needs held-out rows: give --eval-fraction or --eval-rows");
        assertRefused(args(out, "--keep-best"), "--keep-best needs held-out rows: give --eval-fraction or --eval-rows");
        assertRefused(args(out, "--eval-rows", "8"), "--eval-rows: holding out 8 of 8 rows leaves none to train on");
        List<String> trajectories = new ArrayList<>(List.of("train", "--student", student.toString(), "--data",
                "data/tau-bench/gpt-4o-airline.json", "--steps", "3", "--batch-size", "4", "--out", out.toString()));
        assertRefused(trajectories, "has no tokenizer.json beside it; give --tokenizer DIR or gpt2");
    }

    @Test
    void aRunIsNotOverwrittenWithoutResume() throws Exception {
        Path out = dir.resolve("run");
        assertEquals(0, CliRun.of(args(out).toArray(String[]::new)).code());
        CliRun again = CliRun.of(args(out).toArray(String[]::new));
        assertEquals(2, again.code());
        assertTrue(again.err().contains("holds a training run already (give --resume"), again.err());
    }

    /**
     * A child JVM running {@code distillab train} killed with SIGKILL after a checkpoint, then
     * {@code --resume}: every loss, KL, CE, learning rate and gradient norm equals an uninterrupted
     * run's, bit for bit (the metrics lines less their timing).
     */
    @Test
    void resumeAfterSigkillEqualsAnUninterruptedRun() throws Exception {
        Path killed = dir.resolve("killed");
        Path whole = dir.resolve("whole");
        String[] common = {"--steps", "40", "--checkpoint-every", "5", "--grad-accum", "2", "--lr", "1e-2", "--seed", "9"};
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.distillab.cli.Distillab"));
        command.addAll(args(killed, common));
        Process child = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.isDirectory(killed.resolve("checkpoint-5")) && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } finally {
            child.destroyForcibly(); // SIGKILL
            child.waitFor();
        }
        assertTrue(Files.isDirectory(killed.resolve("checkpoint-5")), Files.readString(dir.resolve("child.log")));
        assertFalse(Files.exists(killed.resolve("final")), "killed before the end");
        long before = Files.readAllLines(killed.resolve("metrics.jsonl")).size();

        CliRun resumed = CliRun.of(args(killed, append(common, "--resume")).toArray(String[]::new));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.err().contains("resuming " + killed + " from checkpoint-"), resumed.err());
        assertEquals(0, CliRun.of(args(whole, common).toArray(String[]::new)).code());
        List<String> expected = withoutTiming(whole);
        assertEquals(40, expected.size());
        assertEquals(expected, withoutTiming(killed), "killed after " + before + " lines");
    }

    private static String[] append(String[] a, String b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }

    private static List<String> withoutTiming(Path run) throws Exception {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .map(l -> l.replaceAll("\"tokens_per_s\": [^,]*, ", "")).toList();
    }
}
