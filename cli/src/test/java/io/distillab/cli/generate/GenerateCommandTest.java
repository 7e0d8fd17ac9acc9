package io.distillab.cli.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.cli.CliRun;
import io.distillab.core.importer.TrajectoryImporter;
import io.distillab.core.trajectory.Trajectory;
import io.distillab.training.data.TrajectoryRenderer;
import io.distillab.training.model.HfCheckpoints;
import io.distillab.training.model.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateCommandTest {
    private static final Path ROOT = Path.of(System.getProperty("distillab.root", ".."));
    private static final Path TAU_BENCH = ROOT.resolve("data/tau-bench/gpt-4o-airline.json");

    @TempDir
    static Path dir;

    private static Path student;

    @BeforeAll
    static void randomTinyGpt2() throws Exception {
        student = dir.resolve("student");
        HfCheckpoints.save(HfCheckpoints.create(ModelConfig.read(ROOT.resolve("examples/tiny-gpt2.json")), 7, 1), student);
    }

    private static CliRun generate(String... more) {
        List<String> a = new ArrayList<>(List.of("generate", "--student", student.toString(), "--tokenizer", "gpt2",
                "--threads", "1"));
        a.addAll(List.of(more));
        return CliRun.of(a.toArray(String[]::new));
    }

    @Test
    void aPromptIsContinuedGreedilyTheSameEveryTime() {
        CliRun r = generate("--prompt", "### user\nI want to book a flight.\n### assistant\n", "--max-tokens", "6");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().matches("(?s)distillab: 6 tokens after a prompt of \\d+ in .* stopped at --max-tokens 6\\s*"), r.err());
        assertEquals(r.out(), generate("--prompt", "### user\nI want to book a flight.\n### assistant\n", "--max-tokens",
                "6").out(), "greedy decoding is deterministic");
        CliRun sampled = generate("--prompt", "Hello", "--max-tokens", "8", "--temperature", "1", "--seed", "1");
        assertEquals(sampled.out(), generate("--prompt", "Hello", "--max-tokens", "8", "--temperature", "1", "--seed",
                "1").out(), "a seed gives the same sample");
        assertNotEquals(sampled.out(), generate("--prompt", "Hello", "--max-tokens", "8", "--temperature", "1",
                "--seed", "2").out());
    }

    @Test
    void aTrajectorysTurnShowsTheTeachersAnswerThenTheStudents() {
        CliRun r = generate("--data", TAU_BENCH.toString(), "--record", "1", "--turn", "2", "--max-tokens", "4");
        assertEquals(0, r.code(), r.err());
        List<Trajectory> all = new ArrayList<>();
        TrajectoryImporter.importPath(TAU_BENCH, null, null, all::add);
        String teacher = TrajectoryRenderer.plainTurn(all.get(1), 2);
        assertTrue(r.out().startsWith("### teacher (gpt-4o-airline.json record 1, assistant turn 2)\n" + teacher
                + "### student\n"), r.out());
        // a tau-bench prompt (its policy document) is longer than the tiny model's 256 positions
        assertTrue(r.err().matches("(?s)distillab: the prompt's first \\d+ tokens were cut to fit the student's context"
                + " of 256 positions\ndistillab: 4 tokens after a prompt of 252 in .*"), r.err());
    }

    /** A student trained on one short trajectory until it knows it, asked for each of its turns. */
    @Test
    void evaluateSetsAStudentsTurnsBesideTheTeachers() throws Exception {
        Path chat = dir.resolve("chat.jsonl");
        java.nio.file.Files.writeString(chat, "{\"model\":\"m\",\"task\":\"t\",\"trial\":0,\"reward\":1,\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Book me a flight to Paris.\"},"
                + "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"search\",\"arguments\":\"{\\\"to\\\":\\\"CDG\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"AF123 at 9:00\"},"
                + "{\"role\":\"assistant\",\"content\":\"AF123 leaves at 9:00.\"}]}\n");
        Path config = dir.resolve("tiny.json");
        java.nio.file.Files.writeString(config, "{\"model_type\": \"gpt2\", \"vocab_size\": 50257, \"n_embd\": 32,"
                + " \"n_layer\": 1, \"n_head\": 2, \"n_positions\": 64}");
        Path run = dir.resolve("run");
        CliRun trained = CliRun.of("train", "--data", chat.toString(), "--tokenizer", "gpt2", "--student", config.toString(),
                "--preset", "sft", "--steps", "150", "--batch-size", "1", "--context", "64", "--lr", "1e-2", "--warmup", "1",
                "--threads", "1", "--out", run.toString());
        assertEquals(0, trained.code(), trained.err());
        Path json = dir.resolve("evaluation.json");
        CliRun r = CliRun.of("evaluate", "--student", run.resolve("final").toString(), "--tokenizer", "gpt2", "--data",
                chat.toString(), "--threads", "1", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("1                   2   100.0%     100.0%       100.0%"), r.out());
        var report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.toFile());
        assertEquals(2, report.get("per_turn").size());
        assertEquals("search", report.get("per_turn").get(0).get("student_tool").asText());
        assertTrue(r.err().contains("evaluate: record 0 turn 1: teacher calls search, student calls search"), r.err());

        // the same student before training: random text, no call
        CliRun before = CliRun.of("evaluate", "--student", student.toString(), "--tokenizer", "gpt2", "--data",
                chat.toString(), "--max-tokens", "8", "--threads", "1");
        assertEquals(0, before.code(), before.err());
        assertTrue(before.out().contains("  0.0%"), before.out());
    }

    @Test
    void badRequestsExitWithCodeTwoAndOneLine() {
        assertRefused(generate("--max-tokens", "3"), "give --prompt TEXT or --data FILE");
        assertRefused(generate("--prompt", "x", "--data", TAU_BENCH.toString()), "give --prompt TEXT or --data FILE");
        assertRefused(generate("--data", TAU_BENCH.toString(), "--record", "500"), "no record 500 (it has 200 trajectories)");
        assertRefused(generate("--data", TAU_BENCH.toString(), "--turn", "99"), "no assistant turn 99");
        assertRefused(generate("--prompt", "x", "--top-p", "0"), "top-p must be in (0, 1]");
        assertRefused(CliRun.of("generate", "--student", dir.resolve("none").toString(), "--prompt", "x"),
                "not a checkpoint folder");
    }

    private static void assertRefused(CliRun r, String expected) {
        assertEquals(2, r.code(), r.err());
        String[] lines = r.err().strip().split("\\R");
        assertEquals(1, lines.length, r.err());
        assertTrue(lines[0].contains(expected), lines[0]);
    }
}
