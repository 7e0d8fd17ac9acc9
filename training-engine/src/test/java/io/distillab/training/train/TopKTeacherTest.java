package io.distillab.training.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.distillab.training.loss.Teacher;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyWriter;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TopKTeacherTest {
    @TempDir
    Path dir;

    private TrainingData data() throws IOException {
        Path t = dir.resolve("t.npy");
        Path s = dir.resolve("s.npy");
        NpyWriter.write(t, NpyArray.of(new int[] {1, 2, 3, 4, 5, -1}, 2, 3));
        NpyWriter.write(s, NpyArray.of(new byte[] {0, 0, 0, 0, 0, 0}, 2, 3));
        return TrainingData.fromTokenFiles(t, s);
    }

    private String refused(int[] index, float[] logProb) throws IOException {
        TrainingData data = data();
        Path idx = dir.resolve("idx.npy");
        Path logp = dir.resolve("logp.npy");
        NpyWriter.write(idx, NpyArray.of(index, 2, 3, 2));
        NpyWriter.write(logp, NpyArray.of(logProb, 2, 3, 2));
        return assertThrows(InvalidTrainingInputException.class, () -> TeacherSource.TopK.read(idx, logp, data, 8))
                .getMessage();
    }

    @Test
    void theEntriesOfEachLossPositionAreTakenAndChecked() throws IOException {
        TrainingData data = data();
        // positions with a next token: row 0 columns 0, 1; row 1 column 0 (column 1 is before padding)
        int[] index = {1, 2, 3, 4, -7, -7, 5, 6, -7, -7, -7, -7};
        float[] logProb = {-1, -2, -3, -4, 0, 0, -5, -6, 0, 0, 0, 0};
        Path idx = dir.resolve("idx.npy");
        Path logp = dir.resolve("logp.npy");
        NpyWriter.write(idx, NpyArray.of(index, 2, 3, 2));
        NpyWriter.write(logp, NpyArray.of(logProb, 2, 3, 2));
        TeacherSource.TopK topk = TeacherSource.TopK.read(idx, logp, data, 8);
        BatchLabels part = new BatchLabels(data, new int[] {1, 0});
        Teacher.Sparse t = (Teacher.Sparse) topk.forPart(part, new int[] {1, 0}, 8);
        assertArrayEquals(new int[] {5, 6, 1, 2, 3, 4}, t.index(), "row 1 first, as the part lists it");
        assertArrayEquals(new float[] {-5, -6, -1, -2, -3, -4}, t.logProb());

        int[] bad = index.clone();
        bad[3] = 8;
        assertEquals(dir.resolve("idx.npy") + ": row 0, position 1, entry 1: index 8 is out of range 0..7",
                refused(bad, logProb));
        int[] twice = index.clone();
        twice[7] = 5;
        assertEquals(dir.resolve("idx.npy") + ": row 1, position 0 lists index 5 twice", refused(twice, logProb));
        float[] none = logProb.clone();
        none[0] = none[1] = Float.NEGATIVE_INFINITY;
        assertEquals(dir.resolve("logp.npy") + ": row 0, position 0: every log-probability is -inf", refused(index, none));
    }
}
