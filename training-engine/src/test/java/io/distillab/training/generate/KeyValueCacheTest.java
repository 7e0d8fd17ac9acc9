package io.distillab.training.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.distillab.training.model.CausalLm;
import io.distillab.training.model.HfCheckpoints;
import io.distillab.training.model.LoraConfig;
import io.distillab.training.model.ModelConfig;
import io.distillab.training.model.Parameter;
import io.distillab.training.train.CudaTrainingCheck;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The CPU model's generation session (keys and values cached, blocks run over the new tokens only)
 * against the whole-sequence forward (checked against PyTorch by ModelFixturesTest) at every length,
 * for the four families and a LoRA model.
 */
class KeyValueCacheTest {
    @Test
    void cachedLogitsEqualTheWholeSequencesForwardForEveryFamily() {
        for (String[] family : CudaTrainingCheck.tinyFamilies()) {
            CausalLm model = HfCheckpoints.create(ModelConfig.parse(family[1], family[0]), 3, 1);
            assertSessionMatches(model, family[0]);
        }
    }

    @Test
    void aLoraModelsAdaptersAreInTheCachedPathToo() {
        String[] qwen3 = CudaTrainingCheck.tinyFamilies().get(3);
        CausalLm model = HfCheckpoints.create(ModelConfig.parse(qwen3[1], "qwen3"), 4, 1);
        model.enableLora(new LoraConfig(2, 4.0, List.of(), null), 5);
        SplittableRandom random = new SplittableRandom(6);
        for (Parameter p : model.trainableParameters()) { // B starts at zero: give the adapters a say
            float[] d = p.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (random.nextGaussian() * 0.1);
            }
        }
        assertSessionMatches(model, "qwen3 + LoRA");
    }

    /** A prompt of 9 tokens in one append, then 12 appends of one token and one of three. */
    private static void assertSessionMatches(CausalLm model, String what) {
        int V = model.config().vocabSize();
        SplittableRandom random = new SplittableRandom(what.hashCode());
        int[] sequence = new int[24];
        for (int i = 0; i < sequence.length; i++) {
            sequence[i] = random.nextInt(V);
        }
        CausalLm.Session session = model.session();
        int fed = 0;
        for (int step : new int[] {9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3}) {
            float[] cached = session.append(Arrays.copyOfRange(sequence, fed, fed + step));
            fed += step;
            assertEquals(fed, session.length());
            float[] whole = model.lastLogits(Arrays.copyOf(sequence, fed));
            double worst = 0;
            for (int v = 0; v < V; v++) {
                worst = Math.max(worst, Math.abs(cached[v] - whole[v]) / Math.max(1, Math.abs(whole[v])));
            }
            // the same float32 arithmetic but products over other row counts (OpenBLAS blocks them
            // differently) and the attention's sums in the same order: 1e-5
            assertEquals(0, worst, 1e-5, what + " after " + fed + " tokens");
        }
        int room = model.config().maxPositions() - fed;
        assertThrows(IllegalArgumentException.class, () -> session.append(new int[room + 1]), what + ": past the context");
    }
}
