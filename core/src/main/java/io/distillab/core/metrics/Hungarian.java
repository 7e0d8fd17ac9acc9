package io.distillab.core.metrics;

/**
 * The Hungarian method (shortest augmenting paths with potentials), O(n^3): a least-cost perfect
 * assignment of rows to columns of a square cost matrix.
 */
final class Hungarian {
    private Hungarian() {
    }

    /** Returns {@code assign[row] = column}. */
    static int[] solve(long[][] cost) {
        int n = cost.length;
        long inf = Long.MAX_VALUE / 4;
        // 1-based arrays; p[col] = row matched to col, way[col] = previous col on the augmenting path
        long[] u = new long[n + 1];
        long[] v = new long[n + 1];
        int[] p = new int[n + 1];
        int[] way = new int[n + 1];
        for (int i = 1; i <= n; i++) {
            p[0] = i;
            int j0 = 0;
            long[] minv = new long[n + 1];
            java.util.Arrays.fill(minv, inf);
            boolean[] usedCol = new boolean[n + 1];
            do {
                usedCol[j0] = true;
                int i0 = p[j0];
                long delta = inf;
                int j1 = 0;
                for (int j = 1; j <= n; j++) {
                    if (!usedCol[j]) {
                        long cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
                        if (cur < minv[j]) {
                            minv[j] = cur;
                            way[j] = j0;
                        }
                        if (minv[j] < delta) {
                            delta = minv[j];
                            j1 = j;
                        }
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (usedCol[j]) {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (p[j0] != 0);
            do {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] assign = new int[n];
        for (int j = 1; j <= n; j++) {
            assign[p[j] - 1] = j - 1;
        }
        return assign;
    }
}
