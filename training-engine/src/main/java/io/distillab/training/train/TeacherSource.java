package io.distillab.training.train;

import io.distillab.training.loss.Logits;
import io.distillab.training.loss.Teacher;
import io.distillab.training.model.CausalLm;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyDType;
import io.distillab.training.npy.NpyReader;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/** Where the teacher side of the KL term comes from, for the loss positions of a micro-batch. */
interface TeacherSource {
    /** The teacher distribution at each of the part's loss positions over the first {@code vocab} entries. */
    Teacher forPart(BatchLabels part, int[] rows, int vocab);

    /** SFT: no teacher. */
    TeacherSource NONE = (part, rows, vocab) -> new Teacher.None();

    /** A second model run forward on the same tokens; its logits past {@code vocab} are dropped. */
    static TeacherSource online(CausalLm teacher) {
        int teacherVocab = teacher.config().vocabSize();
        return (part, rows, vocab) -> {
            float[] logits = teacher.forward(part.modelTokens(), part.positions(), part.rowCount(), part.length(), false);
            return new Teacher.Dense(Gather.rows(logits, teacherVocab, part.lossPositions(), vocab));
        };
    }

    /**
     * Stored top-k log-probabilities: {@code IDX[r, i, :]}, {@code LOGP[r, i, :]} is the teacher's
     * distribution at position i of data row r (the one predicting token i+1).
     */
    final class TopK implements TeacherSource {
        private final int length;
        private final int k;
        private final int[] index;
        private final float[] logProb;

        private TopK(int length, int k, int[] index, float[] logProb) {
            this.length = length;
            this.k = k;
            this.index = index;
            this.logProb = logProb;
        }

        /** Entries per position. */
        int k() {
            return k;
        }

        /**
         * Reads and checks IDX/LOGP against the data: shape [rows, L, k]; at every loss position
         * indices in 0..vocab-1 and distinct, log-probabilities not NaN or +inf and not all -inf.
         */
        static TopK read(Path indexFile, Path logProbFile, TrainingData data, int vocab) {
            NpyArray idx = load(indexFile);
            NpyArray logp = load(logProbFile);
            if (idx.dtype() != NpyDType.INT32 && idx.dtype() != NpyDType.INT64) {
                throw new InvalidTrainingInputException(indexFile + ": dtype is " + idx.dtype().numpyName()
                        + ", expected int32 or int64");
            }
            if (logp.dtype() != NpyDType.FLOAT32) {
                throw new InvalidTrainingInputException(logProbFile + ": dtype is " + logp.dtype().numpyName()
                        + ", expected float32");
            }
            if (idx.rank() != 3 || idx.dim(0) != data.rows() || idx.dim(1) != data.length() || idx.dim(2) < 1) {
                throw new InvalidTrainingInputException(indexFile + ": shape is " + NpyArray.shapeString(idx.shape())
                        + ", expected (" + data.rows() + ", " + data.length() + ", k) like the tokens");
            }
            if (!Arrays.equals(idx.shape(), logp.shape())) {
                throw new InvalidTrainingInputException(logProbFile + ": shape " + NpyArray.shapeString(logp.shape())
                        + " differs from " + indexFile.getFileName() + "'s " + NpyArray.shapeString(idx.shape()));
            }
            if (idx.elementCount() > Integer.MAX_VALUE - 8) {
                throw new InvalidTrainingInputException(indexFile + ": too many entries (" + idx.elementCount() + ")");
            }
            int k = (int) idx.dim(2);
            int n = (int) idx.elementCount();
            int[] index = new int[n];
            float[] logProb = new float[n];
            for (int i = 0; i < n; i++) {
                long v = idx.longAt(i);
                index[i] = v < Integer.MIN_VALUE || v > Integer.MAX_VALUE ? -1 : (int) v;
                logProb[i] = (float) logp.valueAt(i);
            }
            TopK topk = new TopK(data.length(), k, index, logProb);
            int[] seen = new int[k];
            for (int r = 0; r < data.rows(); r++) {
                BatchLabels row = new BatchLabels(data, new int[] {r});
                for (int flat : row.lossPositions()) {
                    int base = (r * data.length() + flat) * k;
                    boolean mass = false;
                    for (int j = 0; j < k; j++) {
                        long v = idx.longAt(base + j);
                        if (v < 0 || v >= vocab) {
                            throw new InvalidTrainingInputException(indexFile + ": row " + r + ", position " + flat
                                    + ", entry " + j + ": index " + v + " is out of range 0.." + (vocab - 1));
                        }
                        float lp = logProb[base + j];
                        if (Float.isNaN(lp) || lp == Float.POSITIVE_INFINITY) {
                            throw new InvalidTrainingInputException(logProbFile + ": row " + r + ", position " + flat
                                    + ", entry " + j + ": log-probability " + lp + " (expected a finite number or -inf)");
                        }
                        mass |= lp != Float.NEGATIVE_INFINITY;
                        seen[j] = index[base + j];
                    }
                    if (!mass) {
                        throw new InvalidTrainingInputException(logProbFile + ": row " + r + ", position " + flat
                                + ": every log-probability is -inf");
                    }
                    Arrays.sort(seen);
                    for (int j = 1; j < k; j++) {
                        if (seen[j] == seen[j - 1]) {
                            throw new InvalidTrainingInputException(indexFile + ": row " + r + ", position " + flat
                                    + " lists index " + seen[j] + " twice");
                        }
                    }
                }
            }
            return topk;
        }

        private static NpyArray load(Path file) {
            try {
                return NpyReader.read(file);
            } catch (NoSuchFileException e) {
                throw new InvalidTrainingInputException(file + ": no such file");
            } catch (IOException e) {
                String m = e.getMessage() == null ? e.toString() : e.getMessage();
                throw new InvalidTrainingInputException(m.startsWith(file.toString()) ? m : file + ": " + m);
            }
        }

        @Override
        public Teacher forPart(BatchLabels part, int[] rows, int vocab) {
            int[] positions = part.lossPositions();
            int[] idx = new int[positions.length * k];
            float[] lp = new float[positions.length * k];
            for (int i = 0; i < positions.length; i++) {
                int b = positions[i] / length;
                int t = positions[i] % length;
                int from = (rows[b] * length + t) * k;
                System.arraycopy(index, from, idx, i * k, k);
                System.arraycopy(logProb, from, lp, i * k, k);
            }
            return new Teacher.Sparse(k, idx, lp);
        }
    }
}
