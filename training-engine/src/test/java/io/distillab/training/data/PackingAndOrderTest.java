package io.distillab.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.training.loss.SpanType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Windows, packing and batch orders (SPEC 7) on synthetic sequences. */
class PackingAndOrderTest {

    /** Sequence s has tokens 1000*s + 0, 1, 2, ... so every token says where it came from. */
    private static TokenizedSequence sequence(int s, int length, int calls) {
        int[] ids = new int[length];
        byte[] types = new byte[length];
        for (int i = 0; i < length; i++) {
            ids[i] = 1000 * s + i;
            types[i] = (byte) (i % SpanType.COUNT);
        }
        return new TokenizedSequence(ids, types, calls, "seq " + s, null, new int[length]);
    }

    @Test
    void windowsCoverEveryTokenOnceAndPositionsRestartPerWindow() {
        SplittableRandom r = new SplittableRandom(7);
        List<TokenizedSequence> seqs = new ArrayList<>();
        for (int s = 0; s < 60; s++) {
            seqs.add(sequence(s, 1 + r.nextInt(90), r.nextInt(5)));
        }
        int context = 32;
        PackedRows p = PackedRows.pack(seqs, context, false);
        // Read the windows back in row order: a window starts where the position is 0.
        List<Integer> seen = new ArrayList<>();
        int windows = 0;
        for (int i = 0; i < p.tokens().length; i++) {
            if (p.positions()[i] == 0) {
                windows++;
            }
            if (p.tokens()[i] < 0) {
                assertEquals(-1, p.positions()[i], "padding has position -1");
                // Padding only at a row's tail.
                if (i % context + 1 < context) {
                    assertEquals(-1, p.tokens()[i + 1], "padding is the unfilled tail of a row");
                }
                continue;
            }
            int col = i % context;
            int pos = p.positions()[i];
            assertTrue(pos <= col, "a window does not cross into the next row");
            if (pos > 0) {
                assertEquals(p.positions()[i - 1] + 1, pos, "positions count up inside a window");
                assertEquals(p.tokens()[i - 1] / 1000, p.tokens()[i] / 1000, "one window, one sequence");
            }
            seen.add(p.tokens()[i]);
        }
        List<Integer> expected = new ArrayList<>();
        int expectedWindows = 0;
        for (TokenizedSequence s : seqs) {
            for (int id : s.ids()) {
                expected.add(id);
            }
            expectedWindows += (s.length() + context - 1) / context;
        }
        assertEquals(expected, seen, "every token exactly once, in order");
        assertEquals(expectedWindows, windows);
        assertEquals(expectedWindows, p.windows());
        // Each window restarts at a multiple of the context inside its sequence.
        for (int i = 0; i < p.tokens().length; i++) {
            if (p.positions()[i] == 0) {
                assertEquals(0, (p.tokens()[i] % 1000) % context);
            }
        }
    }

    @Test
    void labelsStopAtWindowEndsAndPadding() {
        PackedRows p = PackedRows.pack(List.of(sequence(0, 5, 0), sequence(1, 3, 0)), 16, false);
        assertEquals(1, p.rows());
        // Positions 0..3 predict tokens 1..4 of sequence 0; position 4 (its last) predicts nothing.
        assertTrue(p.predicts(3));
        assertFalse(p.predicts(4), "the last position of a sequence is no position");
        assertFalse(p.predicts(7), "the last position before padding is no position");
        assertFalse(p.predicts(8), "padding is no position");
        // Types cycle R, A, O, X: position 0 predicts token 1 (ACTION), position 1 token 2 (OBSERVATION).
        assertTrue(p.labelled(0));
        assertFalse(p.labelled(1));
        assertFalse(p.labelled(2));
        assertTrue(p.labelled(3), "token 4 is REASON");
    }

    @Test
    void truncateKeepsTheFirstWindowOnly() {
        PackedRows p = PackedRows.pack(List.of(sequence(0, 70, 0), sequence(1, 10, 0)), 32, true);
        assertEquals(2, p.windows());
        assertEquals(1, p.cutSequences());
        assertEquals(38, p.droppedTokens());
        assertEquals(2, p.rows());
        assertEquals(31, p.tokens()[31]);
        assertEquals(1000, p.tokens()[32]);
    }

    @Test
    void curriculumDrawsFromAGrowingEasiestFraction() {
        int rows = 100;
        long[] complexity = new long[rows * 2];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < rows; i++) {
            complexity[2 * i] = r.nextInt(6);
            complexity[2 * i + 1] = 10 + r.nextInt(500);
        }
        long curriculumSteps = 50;
        CurriculumOrder order = new CurriculumOrder(complexity, 8, 11, 0.2, curriculumSteps);
        // Rank of each row in the easiest-first order, computed here by brute force.
        int[] rank = new int[rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < rows; j++) {
                boolean easier = complexity[2 * j] < complexity[2 * i]
                        || (complexity[2 * j] == complexity[2 * i] && (complexity[2 * j + 1] < complexity[2 * i + 1]
                        || (complexity[2 * j + 1] == complexity[2 * i + 1] && j < i)));
                if (easier) {
                    rank[i]++;
                }
            }
        }
        assertEquals(0.2, order.competence(1), 1e-12);
        assertEquals(0.2 + 0.8 * 25 / 50.0, order.competence(26), 1e-12);
        assertEquals(1.0, order.competence(51), 1e-12);
        assertEquals(1.0, order.competence(500), 1e-12);
        int previousMax = 0;
        for (long step = 1; step <= 60; step += 1) {
            int limit = (int) Math.ceil(order.competence(step) * rows - 1e-9);
            assertEquals(limit, order.drawable(step));
            int max = 0;
            for (int row : order.rows(step)) {
                assertTrue(rank[row] < limit, "step " + step + " drew rank " + rank[row] + " >= " + limit);
                max = Math.max(max, rank[row]);
            }
            previousMax = Math.max(previousMax, max);
        }
        assertTrue(previousMax > 80, "late steps reach the hard rows");
        CurriculumOrder same = new CurriculumOrder(complexity, 8, 11, 0.2, curriculumSteps);
        for (long step = 1; step <= 60; step++) {
            assertArrayEquals(order.rows(step), same.rows(step), "same seed, same batches");
        }
        assertFalse(Arrays.equals(order.rows(5), new CurriculumOrder(complexity, 8, 12, 0.2, curriculumSteps).rows(5)));
    }
}
