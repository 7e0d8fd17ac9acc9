package io.distillab.training.data;

import io.distillab.training.model.CausalLm;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A sparse teacher (SPEC 6 and 8): a teacher checkpoint run forward over prepared rows, keeping at
 * every position its k most likely next tokens and their log-probabilities, {@code IDX[r, i]} and
 * {@code LOGP[r, i]} for the position i of row r (the distribution that predicts token i+1), in
 * decreasing order. The log-probabilities are log-softmax over the teacher's logits cut to the
 * tokenizer's vocabulary (SPEC 8 drops the padding rows some checkpoints carry). Padding positions
 * get indices 0..k-1 and log-probability 0 (no loss reads them).
 */
public final class TeacherTopK {
    /** Called after each batch of rows. */
    public interface Progress {
        void rowsDone(int done, int rows, long tokens);
    }

    /** The result: [rows, L, k] indices and log-probabilities, flattened. */
    public record Result(int rows, int length, int k, int[] indices, float[] logProbs) {
    }

    private TeacherTopK() {
    }

    /**
     * @param vocab     logits at and past this index are dropped (the tokenizer's vocabulary size)
     * @param batchRows rows per forward pass
     */
    public static Result run(CausalLm teacher, int[] tokens, int[] positions, int rows, int length, int k, int vocab,
                             int batchRows, Progress progress) {
        int V = teacher.config().vocabSize();
        int keep = Math.min(V, vocab);
        if (k < 1 || k > keep) {
            throw new IllegalArgumentException("--k " + k + ": must be between 1 and the vocabulary (" + keep + ")");
        }
        int[] idx = new int[Math.multiplyExact(Math.multiplyExact(rows, length), k)];
        float[] logp = new float[idx.length];
        long tokensDone = 0;
        for (int r0 = 0; r0 < rows; r0 += batchRows) {
            int B = Math.min(batchRows, rows - r0);
            int n = B * length;
            int[] t = new int[n];
            int[] p = new int[n];
            System.arraycopy(tokens, r0 * length, t, 0, n);
            System.arraycopy(positions, r0 * length, p, 0, n);
            for (int i = 0; i < n; i++) {
                if (t[i] < 0) {
                    t[i] = 0; // padding: the model needs a valid id; position -1 keeps it out of attention
                }
            }
            float[] logits = teacher.forward(t, p, B, length, false);
            for (int i = 0; i < n; i++) {
                int out = ((r0 * length) + i) * k;
                if (p[i] < 0) {
                    for (int j = 0; j < k; j++) {
                        idx[out + j] = j;
                    }
                    continue;
                }
                topK(logits, i * V, keep, k, idx, logp, out);
                tokensDone++;
            }
            if (progress != null) {
                progress.rowsDone(r0 + B, rows, tokensDone);
            }
        }
        return new Result(rows, length, k, idx, logp);
    }

    /** The k largest of logits[from .. from+keep) as log-softmax values, largest first. */
    static void topK(float[] logits, int from, int keep, int k, int[] idx, float[] logp, int out) {
        // A min-heap of the k best so far (heap[0] the smallest), by value then by lower index.
        int[] heap = new int[k];
        int size = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < keep; v++) {
            float z = logits[from + v];
            max = Math.max(max, z);
            if (size < k) {
                heap[size++] = v;
                siftUp(heap, size - 1, logits, from);
            } else if (z > logits[from + heap[0]]) {
                heap[0] = v;
                siftDown(heap, size, logits, from);
            }
        }
        double sum = 0;
        for (int v = 0; v < keep; v++) {
            sum += Math.exp(logits[from + v] - max);
        }
        double logZ = max + Math.log(sum);
        for (int j = k - 1; j >= 0; j--) {
            int v = heap[0];
            idx[out + j] = v;
            logp[out + j] = (float) (logits[from + v] - logZ);
            heap[0] = heap[--size];
            siftDown(heap, size, logits, from);
        }
    }

    private static boolean less(float[] z, int from, int a, int b) {
        float za = z[from + a];
        float zb = z[from + b];
        return za < zb || (za == zb && a > b);
    }

    private static void siftUp(int[] h, int i, float[] z, int from) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!less(z, from, h[i], h[parent])) {
                break;
            }
            int t = h[i];
            h[i] = h[parent];
            h[parent] = t;
            i = parent;
        }
    }

    private static void siftDown(int[] h, int size, float[] z, int from) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            int r = l + 1;
            int m = i;
            if (l < size && less(z, from, h[l], h[m])) {
                m = l;
            }
            if (r < size && less(z, from, h[r], h[m])) {
                m = r;
            }
            if (m == i) {
                return;
            }
            int t = h[i];
            h[i] = h[m];
            h[m] = t;
            i = m;
        }
    }

    /** Writes IDX.npy (int32) and LOGP.npy (float32), [rows, L, k], into {@code out}, atomically. */
    public static void write(Result r, Path out) {
        Path abs = out.toAbsolutePath();
        Path tmp = null;
        try {
            Files.createDirectories(abs.getParent());
            tmp = Files.createTempDirectory(abs.getParent(), "." + abs.getFileName() + ".tmp-");
            NpyWriter.write(tmp.resolve("IDX.npy"), NpyArray.of(r.indices(), r.rows(), r.length(), r.k()));
            NpyWriter.write(tmp.resolve("LOGP.npy"), NpyArray.of(r.logProbs(), r.rows(), r.length(), r.k()));
            if (Files.exists(abs)) {
                throw new IOException(out + " exists already");
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try (var s = Files.walk(tmp)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                } catch (IOException ignored) {
                    // a leftover temporary folder is named as such
                }
            }
        }
    }
}
