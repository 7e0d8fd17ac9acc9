package io.distillab.training.train;

import io.distillab.training.parallel.Items;
import java.util.ArrayList;
import java.util.List;

/**
 * Global L2-norm clipping (SPEC section 8): n = sqrt of the sum of every gradient element
 * squared; when n > clip every gradient is multiplied by clip / (n + 1e-6).
 *
 * <p>The sum is deterministic whatever the thread count: the gradients are cut into fixed chunks
 * of {@link #CHUNK} elements, each chunk's sum of squares is formed in double by one thread, and the
 * chunk sums are added in order (tensor by tensor, chunk by chunk).
 */
public final class GradientClipping {
    static final int CHUNK = 1 << 16;

    private GradientClipping() {
    }

    /** The global norm of the gradients, before clipping. */
    public static double norm(List<float[]> gradients, int threads) {
        List<int[]> chunks = chunks(gradients);
        double[] partial = new double[chunks.size()];
        Items.run(threads, chunks.size(), c -> {
            int[] chunk = chunks.get(c);
            float[] g = gradients.get(chunk[0]);
            double sum = 0;
            for (int i = chunk[1]; i < chunk[2]; i++) {
                sum += (double) g[i] * g[i];
            }
            partial[c] = sum;
        });
        double sum = 0;
        for (double p : partial) {
            sum += p;
        }
        return Math.sqrt(sum);
    }

    /** Clips in place; returns the norm before clipping. */
    public static double clip(List<float[]> gradients, double maxNorm, int threads) {
        double n = norm(gradients, threads);
        if (n > maxNorm) {
            float scale = (float) (maxNorm / (n + 1e-6));
            List<int[]> chunks = chunks(gradients);
            Items.run(threads, chunks.size(), c -> {
                int[] chunk = chunks.get(c);
                float[] g = gradients.get(chunk[0]);
                for (int i = chunk[1]; i < chunk[2]; i++) {
                    g[i] *= scale;
                }
            });
        }
        return n;
    }

    /** {tensor, from, to} of every chunk, in order. */
    private static List<int[]> chunks(List<float[]> gradients) {
        List<int[]> out = new ArrayList<>();
        for (int t = 0; t < gradients.size(); t++) {
            int length = gradients.get(t).length;
            for (int from = 0; from < length; from += CHUNK) {
                out.add(new int[] {t, from, Math.min(length, from + CHUNK)});
            }
        }
        return out;
    }
}
