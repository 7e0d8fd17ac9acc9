package io.distillab.training.model;

import java.util.List;

/**
 * A decoder-only language model with its own backward pass. Naming key: B batch rows, T positions
 * per row, V vocabulary.
 */
public interface CausalLm {
    ModelConfig config();

    /** Every tensor, in a stable order (the order of the HF state dict). */
    List<Parameter> parameters();

    /** The tensors the optimizer updates: all of them, or only the LoRA adapters once enabled. */
    List<Parameter> trainableParameters();

    /**
     * Logits of every position. {@code tokens} and {@code positions} are [B*T] row-major;
     * {@code positions} restart at 0 at the start of every packed sequence and are -1 for padding.
     * A position attends to the positions t' <= t of its own row and sequence.
     *
     * @param keepActivations false for a model that is only run forward (a teacher): it then
     *     keeps one layer's activations and {@link #backward} is not possible
     * @return logits [B*T*V]; rows at padding are zero. The array is owned by the model and
     *     overwritten by the next forward.
     */
    float[] forward(int[] tokens, int[] positions, int B, int T, boolean keepActivations);

    /**
     * The logits [V] of the last position of one sequence (positions 0..n-1), as {@link #forward}
     * gives them, for generation: a model may run its output layer over that position only.
     */
    default float[] lastLogits(int[] tokens) {
        int n = tokens.length;
        int[] positions = new int[n];
        for (int t = 0; t < n; t++) {
            positions[t] = t;
        }
        int V = config().vocabSize();
        return java.util.Arrays.copyOfRange(forward(tokens, positions, 1, n, false), (n - 1) * V, n * V);
    }

    /** Feeds a growing sequence (positions from 0) and gives the logits [V] of its last position. */
    interface Session {
        /** Appends tokens; returns the logits of the last of them. */
        float[] append(int[] tokens);

        /** Positions fed so far. */
        int length();

        /** Forgets every position from {@code length} on, so that another continuation can follow. */
        void truncate(int length);
    }

    /**
     * A generation session. This default runs {@link #lastLogits} over the whole sequence at every
     * append; a model may keep a key/value cache instead.
     */
    default Session session() {
        return new Session() {
            private int[] sequence = new int[0];

            @Override
            public float[] append(int[] tokens) {
                int[] grown = java.util.Arrays.copyOf(sequence, sequence.length + tokens.length);
                System.arraycopy(tokens, 0, grown, sequence.length, tokens.length);
                float[] logits = lastLogits(grown);
                sequence = grown;
                return logits;
            }

            @Override
            public int length() {
                return sequence.length;
            }

            @Override
            public void truncate(int length) {
                if (length < 0 || length > sequence.length) {
                    throw new IllegalArgumentException("cannot truncate " + sequence.length + " positions to " + length);
                }
                sequence = java.util.Arrays.copyOf(sequence, length);
            }
        };
    }

    /**
     * dLoss/dLogits [B*T*V] of the last forward (which kept its activations); ADDS the gradients
     * of the trainable parameters to their {@link Parameter#grad()}. Rows at padding are ignored.
     */
    void backward(float[] dLogits);

    /** Sets the gradients of all trainable parameters to zero. */
    void zeroGrad();

    /** Bytes of weights, gradients, activations and the logits of a training forward+backward. */
    long estimateTrainingBytes(int B, int T);

    /** Bytes of weights, one layer's activations and the logits of a forward-only run. */
    long estimateInferenceBytes(int B, int T);

    /** Adds LoRA adapters (SPEC 8) and freezes every base weight. */
    void enableLora(LoraConfig cfg, long seed);

    /** The LoRA configuration once {@link #enableLora} was called, else null. */
    LoraConfig lora();
}
