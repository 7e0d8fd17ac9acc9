package io.distillab.training.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyReader;
import io.distillab.training.npy.NpyWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Five full training steps (KD loss, clipping, AdamW, warm-up + cosine) against torch.optim.AdamW
 * on HF's definitions: the model branch's fixtures (src/test/fixtures/make_fixtures.py). The
 * fixture's fixed dense teacher is given as a top-k teacher with k = V (index 0..V-1, its logits
 * as log-probabilities), which is the same distribution: softmax over all V of u/T.
 */
class PyTorchAdamWTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama_linear", "llama3_tied", "qwen2", "qwen3"})
    void fiveStepsMatchTorch(String family) throws Exception {
        Path fixture = Path.of(getClass().getResource("/model-fixtures/" + family + "/config.json").toURI()).getParent();
        JsonNode expected = new ObjectMapper().readTree(Files.readString(fixture.resolve("expected.json")));
        NpyArray tokens = NpyReader.read(fixture.resolve("tokens.npy"));
        NpyArray positions = NpyReader.read(fixture.resolve("positions.npy"));
        NpyArray rows = NpyReader.read(fixture.resolve("loss_rows.npy"));
        NpyArray spans = NpyReader.read(fixture.resolve("spans.npy"));
        NpyArray teacher = NpyReader.read(fixture.resolve("teacher_logits.npy"));
        int B = (int) tokens.dim(0);
        int T = (int) tokens.dim(1);
        int V = (int) teacher.dim(1);
        // the fixture stores m of each loss position: the span of the token after it
        byte[] tokenSpans = new byte[B * T];
        java.util.Arrays.fill(tokenSpans, (byte) 3);
        int[] index = new int[B * T * V];
        float[] logProb = new float[B * T * V];
        for (int j = 0; j < rows.elementCount(); j++) {
            int flat = (int) rows.longAt(j);
            tokenSpans[flat + 1] = (byte) spans.longAt(j);
            for (int v = 0; v < V; v++) {
                index[flat * V + v] = v;
                logProb[flat * V + v] = (float) teacher.valueAt((long) j * V + v);
            }
        }
        Path prepared = dir.resolve("prepared");
        Files.createDirectories(prepared);
        NpyWriter.write(prepared.resolve("tokens.npy"), tokens);
        NpyWriter.write(prepared.resolve("positions.npy"), positions);
        NpyWriter.write(prepared.resolve("spans.npy"), NpyArray.of(tokenSpans, B, T));
        Path idx = dir.resolve("idx.npy");
        Path logp = dir.resolve("logp.npy");
        NpyWriter.write(idx, NpyArray.of(index, B, T, V));
        NpyWriter.write(logp, NpyArray.of(logProb, B, T, V));

        JsonNode adamw = expected.get("adamw");
        TinyRuns.Recorder r = new TinyRuns.Recorder();
        new Trainer().run(TrainOptions.builder().student(fixture).data(List.of(prepared)).teacherTopk(idx, logp)
                .preset("kd").batchSize(B).order("file").steps(adamw.get("steps").asLong()).lr(adamw.get("lr").asDouble())
                .clip(adamw.get("clip").asDouble()).weightDecay(adamw.get("weight_decay").asDouble()).seed(1).threads(1)
                .device("cpu").out(dir.resolve("run")).build(), r, () -> false);
        for (int s = 0; s < 5; s++) {
            StepMetrics m = r.steps.get(s);
            String what = family + " step " + (s + 1);
            assertEquals(adamw.get("lrs").get(s).asDouble(), m.lr(), 1e-15, what + " lr");
            // float32 forward/backward in both; the differences grow a little with each update:
            // 2e-5 relative on the loss, 1e-4 on the gradient norm
            assertEquals(adamw.get("losses").get(s).asDouble(), m.loss(), 2e-5 * m.loss(), what + " loss");
            assertEquals(adamw.get("grad_norms").get(s).asDouble(), m.gradNorm(), 1e-4 * m.gradNorm(), what + " grad norm");
        }
        assertEquals(expected.get("kl").asDouble(), r.steps.get(0).kl(), 1e-5 * expected.get("kl").asDouble());
        assertEquals(expected.get("ce").asDouble(), r.steps.get(0).ce(), 1e-5 * expected.get("ce").asDouble());
    }
}
