package io.distillab.training.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.training.loss.CpuSpanMaskedLoss;
import io.distillab.training.loss.LossConfig;
import io.distillab.training.loss.LossInputs;
import io.distillab.training.loss.LossResult;
import io.distillab.training.loss.Logits;
import io.distillab.training.loss.Preset;
import io.distillab.training.loss.Teacher;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyReader;
import io.distillab.training.safetensors.SafeTensorsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Agreement with PyTorch on Hugging Face's definitions of the four families. The fixtures come
 * from src/test/fixtures/make_fixtures.py (torch 1.13, float32): tiny random checkpoints, a batch of
 * a packed row (two sequences) and a padded row, the logits, the span-masked loss (KD preset) and
 * every parameter's gradient after one backward.
 *
 * <p>Tolerances, as llm.c's test_gpt2 states its own: logits within 1e-5 absolute + 1e-5 relative
 * (float32 sums in a different order); loss within 1e-5 relative; each gradient tensor within
 * 2e-5 of torch's, relative to the tensor's largest entry (|g - g_torch| <= 2e-5 * max|g_torch| +
 * 1e-7), checked element by element.
 */
class ModelFixturesTest {
    static Path fixture(String name) throws Exception {
        return Path.of(ModelFixturesTest.class.getResource("/model-fixtures/" + name + "/config.json").toURI()).getParent();
    }

    static int[] ints(Path file) throws Exception {
        NpyArray a = NpyReader.read(file);
        int[] out = new int[(int) a.elementCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) a.longAt(i);
        }
        return out;
    }

    static float[] floats(Path file) throws Exception {
        NpyArray a = NpyReader.read(file);
        float[] out = new float[(int) a.elementCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) a.valueAt(i);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama_linear", "llama3_tied", "qwen2", "qwen3"})
    void logitsLossAndGradientsMatchPyTorch(String name) throws Exception {
        Path dir = fixture(name);
        CausalLm model = HfCheckpoints.load(dir, 1);
        int V = model.config().vocabSize();
        int[] tokens = ints(dir.resolve("tokens.npy"));
        int[] positions = ints(dir.resolve("positions.npy"));
        int B = 2, T = tokens.length / B;

        float[] logits = model.forward(tokens, positions, B, T, true).clone();
        float[] expected = floats(dir.resolve("logits.npy"));
        assertEquals(expected.length, logits.length);
        for (int i = 0; i < logits.length; i++) {
            double tol = 1e-5 + 1e-5 * Math.abs(expected[i]);
            if (Math.abs(logits[i] - expected[i]) > tol) {
                throw new AssertionError(name + " logit " + i + ": " + logits[i] + " vs torch " + expected[i]);
            }
        }

        // The loss of SPEC 6 (preset KD) over the positions that count, by the engine's own loss.
        int[] rows = ints(dir.resolve("loss_rows.npy"));
        int[] labels = ints(dir.resolve("labels.npy"));
        int[] spanInts = ints(dir.resolve("spans.npy"));
        byte[] spans = new byte[spanInts.length];
        for (int i = 0; i < spans.length; i++) {
            spans[i] = (byte) spanInts[i];
        }
        float[] student = new float[rows.length * V];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(logits, rows[r] * V, student, r * V, V);
        }
        float[] teacher = floats(dir.resolve("teacher_logits.npy"));
        LossInputs inputs = LossInputs.of(Logits.of(NpyArray.of(student, rows.length, V)),
                new Teacher.Dense(Logits.of(NpyArray.of(teacher, rows.length, V))), labels, spans);
        LossResult loss = new CpuSpanMaskedLoss(1).compute(inputs, LossConfig.of(Preset.KD), true);
        JsonNode exp = new ObjectMapper().readTree(Files.readString(dir.resolve("expected.json")));
        assertEquals(exp.get("loss").asDouble(), loss.loss(), 1e-5 * exp.get("loss").asDouble(), name + " loss");

        float[] dLogits = new float[logits.length];
        float[] row = new float[V];
        for (int r = 0; r < rows.length; r++) {
            loss.gradient().loadRow(r, 0, V, row);
            System.arraycopy(row, 0, dLogits, rows[r] * V, V);
        }
        model.zeroGrad();
        model.backward(dLogits);

        try (SafeTensorsReader grads = SafeTensorsReader.open(dir.resolve("grads.safetensors"))) {
            assertEquals(grads.names().size(), model.parameters().size(), name + ": one torch gradient per parameter");
            for (Parameter p : model.parameters()) {
                float[] ref = grads.readFloats(p.name());
                float[] got = p.grad();
                float max = 0f;
                for (float v : ref) {
                    max = Math.max(max, Math.abs(v));
                }
                assertTrue(max > 0f, name + " " + p.name() + ": torch gradient is all zero, the test would not see anything");
                for (int i = 0; i < ref.length; i++) {
                    if (Math.abs(got[i] - ref[i]) > 2e-5 * max + 1e-7) {
                        throw new AssertionError(name + " " + p.name() + "[" + i + "]: " + got[i] + " vs torch " + ref[i]
                                + " (max |g| " + max + ")");
                    }
                }
            }
        }
    }
}
