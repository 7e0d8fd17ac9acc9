package io.distillab.training.loss;

import io.distillab.training.parallel.Items;
import io.distillab.training.loss.InvalidLossInputException.Input;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyDType;
import java.util.Arrays;

/**
 * The validated inputs of the loss: student logits z (N x V), a teacher, labels y (N, -100 =
 * ignore) and span types m (N, codes of {@link SpanType}).
 *
 * <p>Construction checks shapes, dtypes and the integer inputs (labels, spans, top-k indices)
 * and throws {@link InvalidLossInputException} naming the input, the position and the value.
 * Whether the logits are finite is a separate, whole-matrix pass: {@link #checkFinite(int)}.
 */
public final class LossInputs {
    public static final int IGNORE_INDEX = -100;

    private final Logits student;
    private final Teacher teacher;
    private final int[] labels;
    private final byte[] spans;

    private LossInputs(Logits student, Teacher teacher, int[] labels, byte[] spans) {
        this.student = student;
        this.teacher = teacher;
        this.labels = labels;
        this.spans = spans;
        validate();
    }

    /** Inputs from arrays already in memory (not copied). */
    public static LossInputs of(Logits student, Teacher teacher, int[] labels, byte[] spans) {
        return new LossInputs(student, teacher, labels, spans);
    }

    /** Inputs from {@code .npy} arrays with a dense teacher. */
    public static LossInputs fromArrays(NpyArray student, NpyArray teacher, NpyArray labels, NpyArray spans) {
        Logits z = logits(Input.STUDENT, student);
        Logits u = logits(Input.TEACHER, teacher);
        return new LossInputs(z, new Teacher.Dense(u), labelArray(labels), spanArray(spans));
    }

    /** Inputs from {@code .npy} arrays with a top-k teacher: indices (N, k) int32/int64, log-probabilities (N, k) float32. */
    public static LossInputs fromArrays(NpyArray student, NpyArray topkIndex, NpyArray topkLogProb, NpyArray labels,
                                        NpyArray spans) {
        Logits z = logits(Input.STUDENT, student);
        if (topkIndex.dtype() != NpyDType.INT32 && topkIndex.dtype() != NpyDType.INT64) {
            throw new InvalidLossInputException(Input.TEACHER_INDEX, "dtype is " + topkIndex.dtype().numpyName()
                    + ", expected int32 or int64");
        }
        if (topkLogProb.dtype() != NpyDType.FLOAT32) {
            throw new InvalidLossInputException(Input.TEACHER_LOGPROB, "dtype is " + topkLogProb.dtype().numpyName()
                    + ", expected float32");
        }
        for (var a : new Object[][] {{Input.TEACHER_INDEX, topkIndex}, {Input.TEACHER_LOGPROB, topkLogProb}}) {
            NpyArray array = (NpyArray) a[1];
            if (array.rank() != 2 || array.dim(1) < 1) {
                throw new InvalidLossInputException((Input) a[0], "shape is " + NpyArray.shapeString(array.shape())
                        + ", expected (N, k) with k >= 1");
            }
        }
        if (!Arrays.equals(topkIndex.shape(), topkLogProb.shape())) {
            throw new InvalidLossInputException(Input.TEACHER_LOGPROB, "shape " + NpyArray.shapeString(topkLogProb.shape())
                    + " differs from the indices' " + NpyArray.shapeString(topkIndex.shape()));
        }
        if (topkIndex.elementCount() > Integer.MAX_VALUE - 8) {
            throw new InvalidLossInputException(Input.TEACHER_INDEX, "too many top-k entries: " + topkIndex.elementCount());
        }
        int k = (int) topkIndex.dim(1);
        int n = (int) topkIndex.elementCount();
        int[] index = new int[n];
        float[] logProb = new float[n];
        for (int i = 0; i < n; i++) {
            long v = topkIndex.longAt(i);
            if (v < 0 || v >= z.vocab()) {
                throw new InvalidLossInputException(Input.TEACHER_INDEX, "index[" + i / k + ", " + i % k + "] = " + v
                        + " is out of range 0.." + (z.vocab() - 1));
            }
            index[i] = (int) v;
            logProb[i] = (float) topkLogProb.valueAt(i);
        }
        return new LossInputs(z, new Teacher.Sparse(k, index, logProb), labelArray(labels), spanArray(spans));
    }

    private static Logits logits(Input input, NpyArray array) {
        try {
            return Logits.of(array);
        } catch (IllegalArgumentException e) {
            throw new InvalidLossInputException(input, e.getMessage());
        }
    }

    private static void checkVector(Input input, NpyArray array, String dtypes, NpyDType... allowed) {
        if (!Arrays.asList(allowed).contains(array.dtype())) {
            throw new InvalidLossInputException(input, "dtype is " + array.dtype().numpyName() + ", expected " + dtypes);
        }
        if (array.rank() != 1) {
            throw new InvalidLossInputException(input, "shape is " + NpyArray.shapeString(array.shape())
                    + ", expected 1 dimension (N,)");
        }
    }

    private static int[] labelArray(NpyArray labels) {
        checkVector(Input.LABELS, labels, "int32 or int64", NpyDType.INT32, NpyDType.INT64);
        int[] out = new int[Math.toIntExact(labels.elementCount())];
        for (int i = 0; i < out.length; i++) {
            long v = labels.longAt(i);
            // Out-of-int values are reported by validate() with the vocabulary size.
            out[i] = v < Integer.MIN_VALUE || v > Integer.MAX_VALUE ? Integer.MIN_VALUE : (int) v;
            if (out[i] == Integer.MIN_VALUE) {
                throw new InvalidLossInputException(Input.LABELS, "labels[" + i + "] = " + v
                        + " is out of range (expected -100 or a vocabulary index)");
            }
        }
        return out;
    }

    private static byte[] spanArray(NpyArray spans) {
        checkVector(Input.SPANS, spans, "int8, int32 or int64", NpyDType.INT8, NpyDType.INT32, NpyDType.INT64);
        byte[] out = new byte[Math.toIntExact(spans.elementCount())];
        for (int i = 0; i < out.length; i++) {
            long v = spans.longAt(i);
            if (v < 0 || v >= SpanType.COUNT) {
                throw new InvalidLossInputException(Input.SPANS, "spans[" + i + "] = " + v
                        + " is out of range (expected 0=reason, 1=action, 2=observation, 3=other)");
            }
            out[i] = (byte) v;
        }
        return out;
    }

    private void validate() {
        int n = student.rows();
        int v = student.vocab();
        if (v < 1) {
            throw new InvalidLossInputException(Input.STUDENT, "vocabulary size is 0");
        }
        if (teacher instanceof Teacher.Dense dense) {
            Logits u = dense.logits();
            if (u.rows() != n || u.vocab() != v) {
                throw new InvalidLossInputException(Input.TEACHER, "shape (" + u.rows() + ", " + u.vocab()
                        + ") differs from the student's (" + n + ", " + v + ")");
            }
            if (u.precision() != student.precision()) {
                throw new InvalidLossInputException(Input.TEACHER, "dtype " + u.precision().dtype().numpyName()
                        + " differs from the student's " + student.precision().dtype().numpyName());
            }
        } else if (teacher instanceof Teacher.Sparse sparse) {
            validateSparse(sparse, n, v);
        }
        if (labels.length != n) {
            throw new InvalidLossInputException(Input.LABELS, labels.length + " labels for " + n + " student rows");
        }
        if (spans.length != n) {
            throw new InvalidLossInputException(Input.SPANS, spans.length + " span types for " + n + " student rows");
        }
        for (int i = 0; i < n; i++) {
            int y = labels[i];
            if (y != IGNORE_INDEX && (y < 0 || y >= v)) {
                throw new InvalidLossInputException(Input.LABELS, "labels[" + i + "] = " + y
                        + " is out of range (expected -100 or 0.." + (v - 1) + ")");
            }
            if (spans[i] < 0 || spans[i] >= SpanType.COUNT) {
                throw new InvalidLossInputException(Input.SPANS, "spans[" + i + "] = " + spans[i]
                        + " is out of range (expected 0=reason, 1=action, 2=observation, 3=other)");
            }
        }
    }

    private static void validateSparse(Teacher.Sparse sparse, int n, int v) {
        int k = sparse.k();
        if (sparse.rows() != n) {
            throw new InvalidLossInputException(Input.TEACHER_INDEX, sparse.rows() + " top-k rows for " + n + " student rows");
        }
        int[] seen = new int[k];
        for (int i = 0; i < n; i++) {
            boolean anyMass = false;
            for (int j = 0; j < k; j++) {
                int slot = i * k + j;
                int idx = sparse.index()[slot];
                if (idx < 0 || idx >= v) {
                    throw new InvalidLossInputException(Input.TEACHER_INDEX, "index[" + i + ", " + j + "] = " + idx
                            + " is out of range 0.." + (v - 1));
                }
                float lp = sparse.logProb()[slot];
                if (Float.isNaN(lp) || lp == Float.POSITIVE_INFINITY) {
                    throw new InvalidLossInputException(Input.TEACHER_LOGPROB, "logprob[" + i + ", " + j + "] = " + lp
                            + " (expected a finite number or -inf)");
                }
                anyMass |= lp != Float.NEGATIVE_INFINITY;
                seen[j] = idx;
            }
            if (!anyMass) {
                throw new InvalidLossInputException(Input.TEACHER_LOGPROB, "row " + i
                        + " has every log-probability -inf (no teacher distribution)");
            }
            Arrays.sort(seen);
            for (int j = 1; j < k; j++) {
                if (seen[j] == seen[j - 1]) {
                    throw new InvalidLossInputException(Input.TEACHER_INDEX, "row " + i + " lists vocabulary index "
                            + seen[j] + " twice");
                }
            }
        }
    }

    /**
     * Checks that every student (and dense teacher) logit is finite; the loss is defined for
     * finite logits only. Runs over the rows on {@code threads} threads.
     */
    public void checkFinite(int threads) {
        checkFinite(Input.STUDENT, student, threads);
        if (teacher instanceof Teacher.Dense dense) {
            checkFinite(Input.TEACHER, dense.logits(), threads);
        }
    }

    private static void checkFinite(Input input, Logits logits, int threads) {
        int rows = logits.rows();
        int vocab = logits.vocab();
        long[] firstBad = {Long.MAX_VALUE};
        Items.run(threads, rows, () -> {
            float[] tile = new float[vocab];
            return row -> {
                logits.loadRow(row, 0, vocab, tile);
                for (int c = 0; c < vocab; c++) {
                    if (!Float.isFinite(tile[c])) {
                        synchronized (firstBad) {
                            firstBad[0] = Math.min(firstBad[0], (long) row * vocab + c);
                        }
                        return;
                    }
                }
            };
        });
        if (firstBad[0] != Long.MAX_VALUE) {
            int row = (int) (firstBad[0] / vocab);
            int col = (int) (firstBad[0] % vocab);
            throw new InvalidLossInputException(input, "logit[" + row + ", " + col + "] = " + logits.get(row, col)
                    + " (logits must be finite)");
        }
    }

    public Logits student() {
        return student;
    }

    public Teacher teacher() {
        return teacher;
    }

    public int rows() {
        return student.rows();
    }

    public int vocab() {
        return student.vocab();
    }

    public int label(int row) {
        return labels[row];
    }

    public int span(int row) {
        return spans[row];
    }

    /** The labels (a copy). */
    public int[] labels() {
        return labels.clone();
    }

    /** The span codes (a copy). */
    public byte[] spans() {
        return spans.clone();
    }
}
