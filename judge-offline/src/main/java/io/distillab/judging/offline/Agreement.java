package io.distillab.judging.offline;

/** The small formulas the offline scores are made of. */
final class Agreement {
    private Agreement() {
    }

    /**
     * How much two non-negative feature values agree, in [0, 1]:
     * {@code 1 - |a - b| / max(a, b, floor)}. 1 when equal; 0 when one is 0 and the other at
     * least {@code floor}. The floor keeps tiny differences between small values (0 vs 0.05
     * exclamations per sentence) from counting as total disagreement.
     */
    static double agree(double a, double b, double floor) {
        return 1.0 - Math.abs(a - b) / Math.max(Math.max(a, b), floor);
    }

    /** A similarity in [0, 1] as a score 1..5: {@code 1 + round(4 s)}, halves rounded up. */
    static int score(double similarity) {
        double s = Math.max(0, Math.min(1, similarity));
        return 1 + (int) Math.floor(4 * s + 0.5);
    }

    /** {@code (x - low) / (high - low)}, clamped to [0, 1]. */
    static double rescale(double x, double low, double high) {
        return Math.max(0, Math.min(1, (x - low) / (high - low)));
    }

    static double mean(double... xs) {
        double sum = 0;
        for (double x : xs) {
            sum += x;
        }
        return sum / xs.length;
    }
}
