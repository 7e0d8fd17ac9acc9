package io.distillab.core.metrics;

/** The small formulas SPEC section 3 names: Jaccard agreement and the cosine with its zero rules. */
public final class Similarity {
    private Similarity() {
    }

    /**
     * Jaccard of two sorted, distinct int sets; {@code bothEmpty} when both are empty (SPEC's
     * {@code emptyAgreement}, default 1).
     */
    public static double jaccard(int[] a, int[] b, double bothEmpty) {
        if (a.length == 0 && b.length == 0) {
            return bothEmpty;
        }
        int common = commonCount(a, b);
        return (double) common / (a.length + b.length - common);
    }

    /** How many elements two sorted int arrays share (as multisets: duplicates pair up one to one). */
    static int commonCount(int[] a, int[] b) {
        int i = 0, j = 0, common = 0;
        while (i < a.length && j < b.length) {
            if (a[i] == b[j]) {
                common++;
                i++;
                j++;
            } else if (a[i] < b[j]) {
                i++;
            } else {
                j++;
            }
        }
        return common;
    }

    /** cos(x, y); 1 when both are zero vectors, 0 when one is. */
    public static double cosine(double[] x, double[] y) {
        double dot = 0, nx = 0, ny = 0;
        for (int i = 0; i < x.length; i++) {
            dot += x[i] * y[i];
            nx += x[i] * x[i];
            ny += y[i] * y[i];
        }
        if (nx == 0 && ny == 0) {
            return 1.0;
        }
        if (nx == 0 || ny == 0) {
            return 0.0;
        }
        // parallel vectors can round to 1 + 2^-52; a cosine is at most 1
        return Math.min(1.0, dot / (Math.sqrt(nx) * Math.sqrt(ny)));
    }
}
