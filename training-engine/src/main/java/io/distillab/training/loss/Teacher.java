package io.distillab.training.loss;

/**
 * The teacher side of the KL term: full logits, top-k log-probabilities per position, or none
 * (supervised fine-tuning: every KL weight must then be 0).
 */
public sealed interface Teacher permits Teacher.Dense, Teacher.Sparse, Teacher.None {

    /** No teacher: the loss has CE terms only. */
    record None() implements Teacher {
    }

    /** Teacher logits u, N x V, of the student's precision. */
    record Dense(Logits logits) implements Teacher {
    }

    /**
     * Top-k teacher: for row i, entries j = 0..k-1 are vocabulary index {@code index[i*k + j]}
     * with log-probability {@code logProb[i*k + j]} (-inf allowed: probability 0). p_i is the
     * softmax of logProb_i / T over the k entries, zero elsewhere. Indices in a row are distinct.
     */
    record Sparse(int k, int[] index, float[] logProb) implements Teacher {
        public Sparse {
            if (k < 1 || index.length != logProb.length || index.length % k != 0) {
                throw new IllegalArgumentException("sparse teacher: k = " + k + ", " + index.length + " indices, "
                        + logProb.length + " log-probabilities");
            }
        }

        public int rows() {
            return index.length / k;
        }
    }
}
