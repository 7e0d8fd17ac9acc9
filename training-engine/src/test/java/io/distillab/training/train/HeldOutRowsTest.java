package io.distillab.training.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HeldOutRowsTest {
    @Test
    void theHeldOutAndTrainingRowsPartitionTheDataInTheRoundedProportion() {
        for (int rows : new int[] {2, 7, 100, 347}) {
            for (double f : new double[] {0.01, 0.1, 0.25, 0.5, 0.9}) {
                int expected = Math.max(1, (int) Math.round(f * rows));
                if (expected >= rows) {
                    continue; // refused: aFractionOutsideZeroToOne...
                }
                HeldOutRows h = HeldOutRows.split(rows, HeldOutRows.count(rows, f), 3);
                assertEquals(expected, h.eval().length, rows + " rows, fraction " + f);
                int[] all = IntStream.concat(Arrays.stream(h.train()), Arrays.stream(h.eval())).sorted().toArray();
                assertArrayEquals(IntStream.range(0, rows).toArray(), all, "a partition of 0.." + (rows - 1));
                assertTrue(isAscending(h.train()) && isAscending(h.eval()));
            }
        }
    }

    @Test
    void theChoiceIsAFunctionOfTheSeed() {
        assertArrayEquals(HeldOutRows.split(347, 35, 5).eval(), HeldOutRows.split(347, 35, 5).eval());
        assertFalse(Arrays.equals(HeldOutRows.split(347, 35, 5).eval(), HeldOutRows.split(347, 35, 6).eval()));
        // not simply the first or last rows of the file
        int[] eval = HeldOutRows.split(347, 35, 5).eval();
        assertTrue(eval[0] < 100 && eval[eval.length - 1] > 247, Arrays.toString(eval));
    }

    @Test
    void noBatchEverDrawsAHeldOutRowAndEveryTrainingRowIsDrawn() {
        HeldOutRows h = HeldOutRows.split(50, 10, 9);
        Set<Integer> held = new HashSet<>();
        Arrays.stream(h.eval()).forEach(held::add);
        BatchOrder order = h.onTrainingRows(DataOrder.shuffled(h.train().length, 7, 9));
        Set<Integer> drawn = new HashSet<>();
        for (long step = 1; step <= 200; step++) {
            for (int r : order.rows(step)) {
                assertFalse(held.contains(r), "step " + step + " drew held-out row " + r);
                drawn.add(r);
            }
        }
        assertEquals(h.train().length, drawn.size());
    }

    @Test
    void withoutAFractionEveryRowTrainsInTheOrderItHadBefore() {
        HeldOutRows h = HeldOutRows.split(10, 0, 1);
        assertEquals(0, HeldOutRows.count(10, 0));
        assertFalse(h.evaluates());
        BatchOrder inner = DataOrder.shuffled(10, 4, 1);
        assertArrayEquals(inner.rows(3), h.onTrainingRows(inner).rows(3));
    }

    @Test
    void theLastEvaluationBatchIsFilledWithRowsOfPadding() {
        HeldOutRows h = HeldOutRows.split(20, 5, 2);
        int[][] batches = h.evalBatches(2);
        assertEquals(3, batches.length);
        assertEquals(-1, batches[2][1]);
        assertArrayEquals(h.eval(), Arrays.stream(batches).flatMapToInt(Arrays::stream).filter(r -> r >= 0).toArray());
    }

    @Test
    void aFractionOutsideZeroToOneOrACountThatLeavesNothingToTrainOnIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> HeldOutRows.count(10, 1));
        assertThrows(IllegalArgumentException.class, () -> HeldOutRows.count(10, -0.1));
        assertThrows(IllegalArgumentException.class, () -> HeldOutRows.count(10, Double.NaN));
        assertEquals(1, HeldOutRows.count(10, 0.01), "a fraction above 0 holds out at least one row");
        assertThrows(IllegalArgumentException.class, () -> HeldOutRows.split(1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> HeldOutRows.split(3, HeldOutRows.count(3, 0.9), 0));
        assertThrows(IllegalArgumentException.class, () -> HeldOutRows.split(3, -1, 0));
    }

    private static boolean isAscending(int[] a) {
        for (int i = 1; i < a.length; i++) {
            if (a[i] <= a[i - 1]) {
                return false;
            }
        }
        return true;
    }
}
