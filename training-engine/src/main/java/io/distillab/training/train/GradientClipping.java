package io.distillab.training.train;

import java.util.List;

/**
 * Global L2-norm clipping (SPEC section 8): n = sqrt of the sum of every gradient element
 * squared, summed in double in a fixed order (tensor by tensor, element by element) so the norm
 * does not depend on threads; when n > clip every gradient is multiplied by clip / (n + 1e-6).
 */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** The global norm of the gradients, before clipping. */
    public static double norm(List<float[]> gradients) {
        double sum = 0;
        for (float[] g : gradients) {
            double part = 0;
            for (float x : g) {
                part += (double) x * x;
            }
            sum += part;
        }
        return Math.sqrt(sum);
    }

    /** Clips in place; returns the norm before clipping. */
    public static double clip(List<float[]> gradients, double maxNorm) {
        double n = norm(gradients);
        if (n > maxNorm) {
            float scale = (float) (maxNorm / (n + 1e-6));
            for (float[] g : gradients) {
                for (int i = 0; i < g.length; i++) {
                    g[i] *= scale;
                }
            }
        }
        return n;
    }
}
