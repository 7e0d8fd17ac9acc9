package io.distillab.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Hungarian solver against brute force over every permutation. */
class HungarianTest {
    /** Least total cost over all n! assignments, by enumerating permutations (Heap's algorithm would do; recursion is plainer). */
    static long bruteForceMinimum(long[][] cost) {
        return best(cost, 0, new boolean[cost.length]);
    }

    private static long best(long[][] cost, int row, boolean[] usedColumn) {
        if (row == cost.length) {
            return 0;
        }
        long min = Long.MAX_VALUE;
        for (int col = 0; col < cost.length; col++) {
            if (!usedColumn[col]) {
                usedColumn[col] = true;
                min = Math.min(min, cost[row][col] + best(cost, row + 1, usedColumn));
                usedColumn[col] = false;
            }
        }
        return min;
    }

    static long costOf(long[][] cost, int[] assign) {
        long sum = 0;
        for (int row = 0; row < assign.length; row++) {
            sum += cost[row][assign[row]];
        }
        return sum;
    }

    @Test
    void optimalOnRandomMatrices() {
        Random rnd = new Random(2026);
        for (int trial = 0; trial < 600; trial++) {
            int n = 1 + rnd.nextInt(8);
            long[][] cost = new long[n][n];
            // three kinds of matrix: small integers (many ties), wide ranges, and GED-like blocks with
            // forbidden cells (1 << 40) that an optimum must avoid
            int kind = trial % 3;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    cost[i][j] = switch (kind) {
                        case 0 -> rnd.nextInt(4);
                        case 1 -> rnd.nextInt(1_000_000) - 500_000;
                        default -> rnd.nextInt(5) == 0 && i != j ? 1L << 40 : rnd.nextInt(10);
                    };
                }
            }
            int[] assign = Hungarian.solve(cost);
            boolean[] seen = new boolean[n];
            for (int col : assign) {
                assertEquals(false, seen[col], "trial " + trial + ": column " + col + " assigned twice");
                seen[col] = true;
            }
            assertEquals(bruteForceMinimum(cost), costOf(cost, assign), "trial " + trial + ", n = " + n);
        }
    }

    @Test
    void aWorkedThreeByThree() {
        // rows: workers, columns: jobs. The greedy row-by-row choice (0 -> col 0 at 1, 1 -> col 1 at 2,
        // 2 -> col 2 at 9) costs 12; the optimum is 0 -> 1 (2), 1 -> 2 (3), 2 -> 0 (2): 7.
        long[][] cost = {{1, 2, 8}, {6, 2, 3}, {2, 7, 9}};
        int[] assign = Hungarian.solve(cost);
        assertArrayEquals(new int[] {1, 2, 0}, assign);
        assertEquals(7, costOf(cost, assign));
    }
}
