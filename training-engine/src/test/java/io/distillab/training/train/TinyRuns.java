package io.distillab.training.train;

import io.distillab.training.model.HfCheckpoints;
import io.distillab.training.model.ModelConfig;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Tiny students, teachers and data for training tests (each run takes well under a second). */
final class TinyRuns {
    static final int VOCAB = 40;
    static final int LENGTH = 12;

    private TinyRuns() {
    }

    /** A qwen3-shaped config: 2 layers, C = 16, 2 query heads sharing 1 key/value head of size 8. */
    static String qwen3(int vocab) {
        return "{\"model_type\": \"qwen3\", \"architectures\": [\"Qwen3ForCausalLM\"], \"vocab_size\": " + vocab
                + ", \"hidden_size\": 16, \"num_hidden_layers\": 2, \"num_attention_heads\": 2,"
                + " \"num_key_value_heads\": 1, \"head_dim\": 8, \"intermediate_size\": 32,"
                + " \"max_position_embeddings\": 64, \"rms_norm_eps\": 1e-6, \"tie_word_embeddings\": true}";
    }

    static Path config(Path dir, String name, int vocab) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, qwen3(vocab));
        return file;
    }

    /** A checkpoint folder of random weights. */
    static Path checkpoint(Path dir, String name, int vocab, long seed) throws IOException {
        Path folder = dir.resolve(name);
        HfCheckpoints.save(HfCheckpoints.create(ModelConfig.parse(qwen3(vocab), name), seed, 1), folder);
        return folder;
    }

    /**
     * {@code rows} rows of random tokens of varied lengths (right-padded), spans in runs of
     * REASON, ACTION, OBSERVATION and OTHER. Returns {tokens.npy, spans.npy}.
     */
    static Path[] data(Path dir, int rows, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        int[] tokens = new int[rows * LENGTH];
        byte[] spans = new byte[rows * LENGTH];
        for (int r = 0; r < rows; r++) {
            int n = LENGTH - random.nextInt(3);
            for (int c = 0; c < LENGTH; c++) {
                tokens[r * LENGTH + c] = c < n ? random.nextInt(VOCAB) : -1;
                spans[r * LENGTH + c] = (byte) (c < n ? (c / 3) % 4 : 0);
            }
        }
        Path t = dir.resolve("tokens.npy");
        Path s = dir.resolve("spans.npy");
        NpyWriter.write(t, NpyArray.of(tokens, rows, LENGTH));
        NpyWriter.write(s, NpyArray.of(spans, rows, LENGTH));
        return new Path[] {t, s};
    }

    /** Collects the steps a run reports. */
    static class Recorder implements TrainingListener {
        final List<StepMetrics> steps = new ArrayList<>();
        final List<String> messages = new ArrayList<>();
        final List<Long> checkpoints = new ArrayList<>();
        final List<EvalMetrics> evals = new ArrayList<>();

        @Override
        public void onEval(EvalMetrics e) {
            evals.add(e);
        }

        @Override
        public void onStep(StepMetrics m) {
            steps.add(m);
        }

        @Override
        public void onCheckpoint(long step, Path dir) {
            checkpoints.add(step);
        }

        @Override
        public void onMessage(String line) {
            messages.add(line);
        }
    }
}
