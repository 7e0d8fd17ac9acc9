package io.distillab.cli.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.cli.CliRun;
import io.distillab.training.model.CausalLm;
import io.distillab.training.model.HfCheckpoints;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyReader;
import io.distillab.training.train.TrainingData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trajectories to training in one go ({@code distillab train --data FILE...}) and the sparse
 * teacher ({@code distillab teacher-topk}), on the bundled tau-bench file with GPT-2's tokenizer
 * and the tiny GPT-2 of examples/.
 */
class TrajectoryTrainingTest {
    private static final Path ROOT = Path.of(System.getProperty("distillab.root", ".."));
    private static final Path TAU_BENCH = ROOT.resolve("data/tau-bench/gpt-4o-airline.json");
    private static final Path TINY_GPT2 = ROOT.resolve("examples/tiny-gpt2.json");

    @TempDir
    Path tmp;

    /**
     * 30 SFT steps on trajectories lower the ACTION cross-entropy: the mean over the first five
     * steps that saw ACTION labels against the last five (a random tiny model starts near ln V =
     * 10.8; the margin asked is 1 nat).
     */
    @Test
    void trainingOnTrajectoriesLowersTheActionCrossEntropy() throws Exception {
        Path out = tmp.resolve("run");
        CliRun r = CliRun.of("train", "--data", TAU_BENCH.toString(), "--tokenizer", "gpt2", "--student",
                TINY_GPT2.toString(), "--preset", "sft", "--steps", "30", "--batch-size", "4", "--context", "64",
                "--lr", "3e-3", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(out.resolve("prepared/prepare.json")), "the prepared rows are kept");
        ObjectMapper json = new ObjectMapper();
        List<Double> actionCe = Files.readAllLines(out.resolve("metrics.jsonl")).stream()
                .map(line -> {
                    try {
                        return json.readTree(line).get("spans").get("action").get("ce").asDouble();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                })
                .filter(ce -> ce > 0)
                .toList();
        assertTrue(actionCe.size() >= 10, "steps with ACTION labels: " + actionCe);
        double first = actionCe.subList(0, 5).stream().mapToDouble(d -> d).average().orElseThrow();
        double last = actionCe.subList(actionCe.size() - 5, actionCe.size()).stream().mapToDouble(d -> d).average().orElseThrow();
        assertTrue(last < first - 1.0, "ACTION CE " + first + " -> " + last + ": " + actionCe);
    }

    /**
     * --curriculum trains from the prepared complexity (of the rows not held out); its options alone
     * are refused in one line.
     */
    @Test
    void curriculumIsADataOrder() throws Exception {
        Path out = tmp.resolve("curriculum");
        CliRun r = CliRun.of("train", "--data", ROOT.resolve("data/toolbench/G1_answer").toString(), "--format",
                "toolbench", "--tokenizer", "gpt2", "--student",
                TINY_GPT2.toString(), "--preset", "sft", "--steps", "2", "--batch-size", "2", "--context", "32",
                "--curriculum", "--curriculum-start", "0.1", "--eval-fraction", "0.2", "--threads", "1",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(out.resolve("prepared/complexity.npy")));
        assertEquals(2, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        assertEquals(2, Files.readAllLines(out.resolve("eval.jsonl")).size(), "before step 1 and after step 2");

        CliRun refused = CliRun.of("train", "--data", TAU_BENCH.toString(), "--tokenizer", "gpt2", "--student",
                TINY_GPT2.toString(), "--steps", "2", "--batch-size", "2", "--curriculum-steps", "5",
                "--out", tmp.resolve("refused").toString());
        assertEquals(2, refused.code(), refused.err());
        assertTrue(refused.err().strip().endsWith("--curriculum-start and --curriculum-steps go with --curriculum"),
                refused.err());
        assertTrue(!Files.exists(tmp.resolve("refused")), "nothing written");
    }

    /** IDX/LOGP agree with the teacher's own forward pass of one row, recomputed here in double. */
    @Test
    void teacherTopKHoldsTheTeachersMostLikelyTokens() throws Exception {
        Path prepared = tmp.resolve("prepared");
        Path chat = tmp.resolve("chat.jsonl");
        Files.writeString(chat, "{\"model\":\"m\",\"task\":\"t\",\"trial\":0,\"reward\":1,\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Book me a flight to Paris.\"},"
                + "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"search\",\"arguments\":\"{\\\"to\\\":\\\"CDG\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"AF123 at 9:00\"},"
                + "{\"role\":\"assistant\",\"content\":\"AF123 leaves at 9:00.\"}]}\n");
        assertEquals(0, CliRun.of("prepare", "--data", chat.toString(), "--tokenizer", "gpt2", "--context", "24",
                "--out", prepared.toString()).code());
        Path teacherDir = tmp.resolve("teacher");
        CausalLm created = HfCheckpoints.create(io.distillab.training.model.ModelConfig.read(TINY_GPT2), 5, 1);
        HfCheckpoints.save(created, teacherDir);
        Path out = tmp.resolve("topk");
        CliRun r = CliRun.of("teacher-topk", "--teacher", teacherDir.toString(), "--prepared", prepared.toString(),
                "--k", "4", "--out", out.toString(), "--batch-rows", "2", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("teacher-topk: rows "), r.err());
        NpyArray idx = NpyReader.read(out.resolve("IDX.npy"));
        NpyArray logp = NpyReader.read(out.resolve("LOGP.npy"));
        TrainingData data = TrainingData.fromPreparedFolder(prepared);
        assertArrayEquals(new long[] {data.rows(), 24, 4}, idx.shape());
        assertArrayEquals(new long[] {data.rows(), 24, 4}, logp.shape());

        CausalLm teacher = HfCheckpoints.load(teacherDir, 1);
        int V = teacher.config().vocabSize();
        int[] rowTokens = new int[24];
        int[] rowPositions = new int[24];
        System.arraycopy(data.tokens(), 0, rowTokens, 0, 24);
        System.arraycopy(data.positions(), 0, rowPositions, 0, 24);
        for (int i = 0; i < 24; i++) {
            rowTokens[i] = Math.max(0, rowTokens[i]);
        }
        float[] logits = teacher.forward(rowTokens, rowPositions, 1, 24, false);
        for (int i = 0; i < 24; i++) {
            if (rowPositions[i] < 0) {
                continue;
            }
            double max = Double.NEGATIVE_INFINITY;
            int argmax = -1;
            for (int v = 0; v < V; v++) {
                if (logits[i * V + v] > max) {
                    max = logits[i * V + v];
                    argmax = v;
                }
            }
            double sum = 0;
            for (int v = 0; v < V; v++) {
                sum += Math.exp(logits[i * V + v] - max);
            }
            assertEquals(argmax, idx.longAt(i * 4L), "position " + i + ": top-1 is the argmax");
            assertEquals(-Math.log(sum), logp.valueAt(i * 4L), 1e-4, "log-softmax of the top-1, within 1e-4");
            for (int j = 1; j < 4; j++) {
                assertTrue(logp.valueAt(i * 4L + j) <= logp.valueAt(i * 4L + j - 1), "decreasing");
            }
        }
        JsonNode report = new ObjectMapper().readTree(prepared.resolve("prepare.json").toFile());
        assertEquals(50257, report.get("vocab_size").asInt());
    }
}
