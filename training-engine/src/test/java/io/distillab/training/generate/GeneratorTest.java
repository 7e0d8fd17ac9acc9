package io.distillab.training.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.distillab.training.model.CausalLm;
import io.distillab.training.model.HfCheckpoints;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyWriter;
import io.distillab.training.train.TrainOptions;
import io.distillab.training.train.Trainer;
import io.distillab.training.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny student trained until it knows one sequence by heart, then asked to continue it. */
class GeneratorTest {
    /** Twelve distinct tokens: each one's successor is the next, so greedy decoding can only follow them. */
    private static final int[] SEQUENCE = {5, 17, 3, 29, 11, 8, 22, 35, 14, 2, 31, 19};
    private static final String CONFIG = "{\"model_type\": \"qwen3\", \"vocab_size\": 40, \"hidden_size\": 32,"
            + " \"num_hidden_layers\": 2, \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"head_dim\": 16,"
            + " \"intermediate_size\": 64, \"max_position_embeddings\": 64, \"rms_norm_eps\": 1e-6,"
            + " \"tie_word_embeddings\": true}";

    @TempDir
    static Path dir;

    private static CausalLm student;

    @BeforeAll
    static void learnTheSequence() throws IOException {
        int rows = 4;
        int[] tokens = new int[rows * SEQUENCE.length];
        byte[] spans = new byte[tokens.length]; // all REASON: every next token is a label
        for (int r = 0; r < rows; r++) {
            System.arraycopy(SEQUENCE, 0, tokens, r * SEQUENCE.length, SEQUENCE.length);
        }
        NpyWriter.write(dir.resolve("tokens.npy"), NpyArray.of(tokens, rows, SEQUENCE.length));
        NpyWriter.write(dir.resolve("spans.npy"), NpyArray.of(spans, rows, SEQUENCE.length));
        Files.writeString(dir.resolve("student.json"), CONFIG);
        new Trainer().run(TrainOptions.builder().student(dir.resolve("student.json"))
                .tokens(dir.resolve("tokens.npy"), dir.resolve("spans.npy")).preset("sft").steps(80).batchSize(4)
                .lr(2e-2).warmup(1).seed(1).threads(1).device("cpu").out(dir.resolve("run")).build(),
                TrainingListener.silent(), () -> false);
        student = HfCheckpoints.load(dir.resolve("run/final"), 1);
    }

    @Test
    void greedyDecodingOfTheTrainedStudentRecitesTheRestOfItsSequence() {
        List<Integer> seen = new ArrayList<>();
        Generator.Result r = Generator.generate(student, Arrays.copyOf(SEQUENCE, 3), 9, 40, Sampler.greedy(),
                t -> false, seen::add);
        assertArrayEquals(Arrays.copyOfRange(SEQUENCE, 3, 12), r.tokens());
        assertEquals(Generator.Stop.MAX_TOKENS, r.stop());
        assertEquals(Arrays.stream(r.tokens()).boxed().toList(), seen, "each token told as it came");
    }

    @Test
    void lastLogitsAreTheLastRowOfTheFullForward() {
        int[] tokens = Arrays.copyOf(SEQUENCE, 7);
        int[] positions = {0, 1, 2, 3, 4, 5, 6};
        float[] last = student.lastLogits(tokens);
        float[] all = student.forward(tokens, positions, 1, 7, false);
        assertEquals(40, last.length);
        for (int v = 0; v < 40; v++) {
            // one row of the head's product here, seven there: OpenBLAS may block them differently
            assertEquals(all[6 * 40 + v], last[v], 1e-5 * Math.max(1, Math.abs(last[v])), "logit " + v);
        }
    }

    @Test
    void aStopTokenEndsTheTextAndIsKept() {
        Generator.Result r = Generator.generate(student, Arrays.copyOf(SEQUENCE, 2), 20, 40, Sampler.greedy(),
                t -> t == 22, t -> { });
        assertArrayEquals(new int[] {3, 29, 11, 8, 22}, r.tokens());
        assertEquals(Generator.Stop.STOP_TOKEN, r.stop());
    }

    @Test
    void generationStopsWhereTheContextIsFull() {
        int[] prompt = new int[60];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = SEQUENCE[i % SEQUENCE.length];
        }
        Generator.Result r = Generator.generate(student, prompt, 10, 40, Sampler.greedy(), t -> false, t -> { });
        assertEquals(4, r.tokens().length, "64 positions");
        assertEquals(Generator.Stop.CONTEXT, r.stop());
        assertThrows(IllegalArgumentException.class, () -> Generator.generate(student, new int[64], 1, 40,
                Sampler.greedy(), t -> false, t -> { }));
        assertThrows(IllegalArgumentException.class, () -> Generator.generate(student, new int[0], 1, 40,
                Sampler.greedy(), t -> false, t -> { }));
    }
}
