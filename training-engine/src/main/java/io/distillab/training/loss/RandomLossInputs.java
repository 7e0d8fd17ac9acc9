package io.distillab.training.loss;

import io.distillab.training.parallel.Items;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Random, reproducible loss inputs for tests, checks and benchmarks: student logits ~ N(0, 2^2),
 * a teacher near the student (u = z + N(0, 1)), labels uniform over the vocabulary with a
 * fraction ignored (-100), span types drawn from a given set. Each row has its own random
 * stream, so the result does not depend on the thread count.
 *
 * @param rows             N
 * @param vocab            V
 * @param precision        float32 or bfloat16 logits
 * @param sparseTeacher    false: dense teacher logits; true: top-k of {@code topk} distinct indices
 * @param topk             k for a sparse teacher
 * @param ignoredFraction  probability of label -100
 * @param spanTypes        the span types rows are drawn from
 */
public record RandomLossInputs(int rows, int vocab, Logits.Precision precision, boolean sparseTeacher, int topk,
                               double ignoredFraction, SpanType... spanTypes) {

    public RandomLossInputs {
        if (sparseTeacher && (topk < 1 || topk > vocab)) {
            throw new IllegalArgumentException("topk must be in 1.." + vocab + ", got " + topk);
        }
        if (spanTypes.length == 0) {
            throw new IllegalArgumentException("no span types to draw from");
        }
    }

    /** Every span type, dense teacher, 10% ignored labels. */
    public static RandomLossInputs dense(int rows, int vocab, Logits.Precision precision) {
        return new RandomLossInputs(rows, vocab, precision, false, 0, 0.1, SpanType.values());
    }

    public static RandomLossInputs sparse(int rows, int vocab, Logits.Precision precision, int topk) {
        return new RandomLossInputs(rows, vocab, precision, true, topk, 0.1, SpanType.values());
    }

    public RandomLossInputs withSpanTypes(SpanType... types) {
        return new RandomLossInputs(rows, vocab, precision, sparseTeacher, topk, ignoredFraction, types);
    }

    public LossInputs generate(long seed, int threads) {
        Logits student = Logits.allocate(precision, rows, vocab);
        Logits teacher = sparseTeacher ? null : Logits.allocate(precision, rows, vocab);
        int k = sparseTeacher ? topk : 0;
        int[] index = new int[rows * k];
        float[] logProb = new float[rows * k];
        int[] labels = new int[rows];
        byte[] spans = new byte[rows];
        Items.run(threads, rows, () -> {
            double[] z = new double[vocab];
            double[] u = new double[vocab];
            return row -> {
                SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + row);
                for (int c = 0; c < vocab; c++) {
                    z[c] = 2 * random.nextGaussian();
                }
                student.storeRow(row, 0, vocab, z);
                if (teacher != null) {
                    for (int c = 0; c < vocab; c++) {
                        u[c] = z[c] + random.nextGaussian();
                    }
                    teacher.storeRow(row, 0, vocab, u);
                } else {
                    int[] chosen = random.ints(0, vocab).distinct().limit(k).toArray();
                    System.arraycopy(chosen, 0, index, row * k, k);
                    for (int j = 0; j < k; j++) {
                        logProb[row * k + j] = (float) (3 * random.nextGaussian() - 5);
                    }
                }
                labels[row] = random.nextDouble() < ignoredFraction ? LossInputs.IGNORE_INDEX : random.nextInt(vocab);
                spans[row] = (byte) spanTypes[random.nextInt(spanTypes.length)].code();
            };
        });
        Teacher t = teacher != null ? new Teacher.Dense(teacher) : new Teacher.Sparse(k, index, logProb);
        return LossInputs.of(student, t, labels, spans);
    }

    public String describe() {
        return precision.label() + " N=" + rows + " V=" + vocab + (sparseTeacher ? " top-" + topk : " dense")
                + " spans=" + Arrays.toString(spanTypes).toLowerCase(java.util.Locale.ROOT);
    }
}
