package io.distillab.training.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DataOrderTest {
    @Test
    void splitMix64GivesTheReferenceSequence() {
        // the first outputs of the reference splitmix64.c (Vigna) seeded with 0
        SplitMix64 r = new SplitMix64(0);
        assertEquals(0xE220A8397B1DCDAFL, r.nextLong());
        assertEquals(0x6E789E6AA1B965F4L, r.nextLong());
        assertEquals(0x06C45D188009454FL, r.nextLong());
    }

    @Test
    void fileOrderTakesConsecutiveRowsAndWraps() {
        BatchOrder order = DataOrder.inFileOrder(5, 2);
        assertArrayEquals(new int[] {0, 1}, order.rows(1));
        assertArrayEquals(new int[] {2, 3}, order.rows(2));
        assertArrayEquals(new int[] {4, 0}, order.rows(3));
        assertArrayEquals(new int[] {1, 2}, order.rows(4));
    }

    @Test
    void shuffleVisitsEveryRowOncePerEpochAndDependsOnlyOnSeedAndStep() {
        int rows = 12;
        BatchOrder order = DataOrder.shuffled(rows, 4, 7);
        int[] epoch = new int[rows];
        for (long step = 1; step <= 3; step++) {
            System.arraycopy(order.rows(step), 0, epoch, (int) (step - 1) * 4, 4);
        }
        int[] sorted = epoch.clone();
        Arrays.sort(sorted);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, sorted);
        assertFalse(Arrays.equals(sorted, epoch), "shuffled");
        // a fresh order (a resumed run) asked for a late step first gives the same rows
        BatchOrder resumed = DataOrder.shuffled(rows, 4, 7);
        assertArrayEquals(order.rows(5), resumed.rows(5));
        assertArrayEquals(order.rows(2), resumed.rows(2));
        assertFalse(Arrays.equals(DataOrder.permutation(rows, 7, 0), DataOrder.permutation(rows, 7, 1)),
                "each epoch its own permutation");
        assertFalse(Arrays.equals(DataOrder.permutation(rows, 7, 0), DataOrder.permutation(rows, 8, 0)));
    }

    @Test
    void aBatchMayRunAcrossAnEpochsEnd() {
        BatchOrder order = DataOrder.shuffled(3, 2, 1);
        int[] first = DataOrder.permutation(3, 1, 0);
        int[] second = DataOrder.permutation(3, 1, 1);
        assertArrayEquals(new int[] {first[2], second[0]}, order.rows(2));
    }
}
