package io.distillab.training.train;

/**
 * Linear warm-up then cosine decay to lr/10 (SPEC section 8). For step s counted from 0 of
 * {@code steps} steps: {@code lr * (s+1) / W} while s < W, then
 * {@code lrMin + (1 + cos(pi * (s - W) / max(1, S - W))) / 2 * (lr - lrMin)} with lrMin = lr/10.
 */
public record LrSchedule(double peak, int warmup, long steps) {
    public LrSchedule {
        if (!(peak > 0) || !Double.isFinite(peak)) {
            throw new IllegalArgumentException("learning rate must be a finite number > 0, got " + peak);
        }
        if (warmup < 1) {
            throw new IllegalArgumentException("warm-up must be >= 1 step, got " + warmup);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
    }

    /** SPEC's default warm-up: min(100, floor(S/10)), at least 1. */
    public static int defaultWarmup(long steps) {
        return (int) Math.max(1, Math.min(100, steps / 10));
    }

    /** The learning rate of step {@code s}, counted from 0. */
    public double at(long s) {
        if (s < warmup) {
            return peak * (s + 1) / warmup;
        }
        double min = peak / 10;
        double progress = (double) (s - warmup) / Math.max(1, steps - warmup);
        return min + (1 + Math.cos(Math.PI * progress)) / 2 * (peak - min);
    }
}
