package io.distillab.training.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillab.training.loss.InvalidLossInputException.Input;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyDType;
import org.junit.jupiter.api.Test;

class LossInputsTest {
    private static NpyArray logits(int n, int v) {
        float[] data = new float[n * v];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) Math.sin(i);
        }
        return NpyArray.of(data, n, v);
    }

    private static void assertRejects(Input input, String fragment, Runnable build) {
        InvalidLossInputException e = assertThrows(InvalidLossInputException.class, build::run);
        assertEquals(input, e.input(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
    }

    @Test
    void acceptsWellFormedInputsOfEveryIntegerType() {
        LossInputs a = LossInputs.fromArrays(logits(3, 5), logits(3, 5), NpyArray.of(new long[] {0, -100, 4}, 3),
                NpyArray.of(new byte[] {0, 1, 3}, 3));
        assertEquals(-100, a.label(1));
        LossInputs b = LossInputs.fromArrays(logits(3, 5), logits(3, 5), NpyArray.of(new int[] {0, 1, 2}, 3),
                NpyArray.of(new int[] {2, 2, 2}, 3));
        assertEquals(2, b.span(0));
        LossInputs c = LossInputs.fromArrays(logits(2, 5), NpyArray.of(new long[] {4, 0, 1, 2}, 2, 2),
                NpyArray.of(new float[] {-1, Float.NEGATIVE_INFINITY, -2, -3}, 2, 2), NpyArray.of(new int[] {0, 1}, 2),
                NpyArray.of(new long[] {0, 1}, 2));
        assertEquals(2, ((Teacher.Sparse) c.teacher()).k());
    }

    @Test
    void rejectsLabelsAndSpansOutOfRange() {
        assertRejects(Input.LABELS, "labels[2] = 5 is out of range (expected -100 or 0..4)", () -> LossInputs.fromArrays(
                logits(3, 5), logits(3, 5), NpyArray.of(new int[] {0, 1, 5}, 3), NpyArray.of(new byte[] {0, 0, 0}, 3)));
        assertRejects(Input.LABELS, "labels[0] = -1", () -> LossInputs.fromArrays(logits(3, 5), logits(3, 5),
                NpyArray.of(new int[] {-1, 1, 2}, 3), NpyArray.of(new byte[] {0, 0, 0}, 3)));
        assertRejects(Input.SPANS, "spans[1] = 4", () -> LossInputs.fromArrays(logits(3, 5), logits(3, 5),
                NpyArray.of(new int[] {0, 1, 2}, 3), NpyArray.of(new byte[] {0, 4, 0}, 3)));
        assertRejects(Input.SPANS, "spans[0] = -1", () -> LossInputs.fromArrays(logits(3, 5), logits(3, 5),
                NpyArray.of(new int[] {0, 1, 2}, 3), NpyArray.of(new byte[] {-1, 0, 0}, 3)));
    }

    @Test
    void rejectsWrongDtypesAndShapes() {
        NpyArray y = NpyArray.of(new int[] {0, 1, 2}, 3);
        NpyArray m = NpyArray.of(new byte[] {0, 0, 0}, 3);
        assertRejects(Input.STUDENT, "dtype is int32", () -> LossInputs.fromArrays(NpyArray.of(new int[15], 3, 5),
                logits(3, 5), y, m));
        assertRejects(Input.STUDENT, "expected 2 dimensions", () -> LossInputs.fromArrays(
                NpyArray.of(new float[15], 15), logits(3, 5), y, m));
        assertRejects(Input.TEACHER, "shape (3, 6) differs from the student's (3, 5)",
                () -> LossInputs.fromArrays(logits(3, 5), logits(3, 6), y, m));
        assertRejects(Input.TEACHER, "dtype uint16 differs", () -> LossInputs.fromArrays(logits(3, 5),
                NpyArray.ofUint16(new short[15], 3, 5), y, m));
        assertRejects(Input.LABELS, "2 labels for 3 student rows", () -> LossInputs.fromArrays(logits(3, 5),
                logits(3, 5), NpyArray.of(new int[] {0, 1}, 2), m));
        assertRejects(Input.LABELS, "dtype is float32", () -> LossInputs.fromArrays(logits(3, 5), logits(3, 5),
                NpyArray.of(new float[3], 3), m));
        assertRejects(Input.SPANS, "expected 1 dimension", () -> LossInputs.fromArrays(logits(3, 5), logits(3, 5), y,
                NpyArray.allocate(NpyDType.INT8, 3, 1)));
    }

    @Test
    void rejectsMalformedSparseTeachers() {
        NpyArray y = NpyArray.of(new int[] {0, 1}, 2);
        NpyArray m = NpyArray.of(new byte[] {0, 0}, 2);
        NpyArray lp = NpyArray.of(new float[] {-1, -2, -3, -4}, 2, 2);
        assertRejects(Input.TEACHER_INDEX, "index[1, 0] = 5 is out of range 0..4", () -> LossInputs.fromArrays(
                logits(2, 5), NpyArray.of(new int[] {0, 1, 5, 2}, 2, 2), lp, y, m));
        assertRejects(Input.TEACHER_INDEX, "row 1 lists vocabulary index 3 twice", () -> LossInputs.fromArrays(
                logits(2, 5), NpyArray.of(new int[] {0, 1, 3, 3}, 2, 2), lp, y, m));
        assertRejects(Input.TEACHER_LOGPROB, "logprob[0, 1] = NaN", () -> LossInputs.fromArrays(logits(2, 5),
                NpyArray.of(new int[] {0, 1, 2, 3}, 2, 2), NpyArray.of(new float[] {-1, Float.NaN, -3, -4}, 2, 2), y, m));
        assertRejects(Input.TEACHER_LOGPROB, "row 0 has every log-probability -inf", () -> LossInputs.fromArrays(
                logits(2, 5), NpyArray.of(new int[] {0, 1, 2, 3}, 2, 2), NpyArray.of(new float[] {Float.NEGATIVE_INFINITY,
                        Float.NEGATIVE_INFINITY, -3, -4}, 2, 2), y, m));
        assertRejects(Input.TEACHER_LOGPROB, "differs from the indices'", () -> LossInputs.fromArrays(logits(2, 5),
                NpyArray.of(new int[] {0, 1, 2, 3}, 2, 2), NpyArray.of(new float[] {-1, -2}, 2, 1), y, m));
        assertRejects(Input.TEACHER_INDEX, "3 top-k rows for 2 student rows", () -> LossInputs.fromArrays(logits(2, 5),
                NpyArray.of(new int[] {0, 1, 2}, 3, 1), NpyArray.of(new float[] {-1, -2, -3}, 3, 1), y, m));
    }

    @Test
    void checkFiniteNamesTheFirstBadLogit() {
        NpyArray z = logits(4, 6);
        z.floats(0)[2 * 6 + 3] = Float.NaN;
        z.floats(0)[3 * 6 + 1] = Float.POSITIVE_INFINITY;
        LossInputs in = LossInputs.fromArrays(z, logits(4, 6), NpyArray.of(new int[] {0, 1, 2, 3}, 4),
                NpyArray.of(new byte[] {0, 1, 2, 3}, 4));
        assertRejects(Input.STUDENT, "logit[2, 3] = NaN", () -> in.checkFinite(3));
        NpyArray u = logits(4, 6);
        u.floats(0)[5] = Float.NEGATIVE_INFINITY;
        LossInputs bad = LossInputs.fromArrays(logits(4, 6), u, NpyArray.of(new int[] {0, 1, 2, 3}, 4),
                NpyArray.of(new byte[] {0, 1, 2, 3}, 4));
        assertRejects(Input.TEACHER, "logit[0, 5] = -Infinity", () -> bad.checkFinite(1));
    }
}
