package io.distillab.training.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyWriter;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingDataTest {
    @TempDir
    Path dir;

    private Path npy(String name, NpyArray a) throws IOException {
        Path file = dir.resolve(name);
        NpyWriter.write(file, a);
        return file;
    }

    private String error(Runnable r) {
        return assertThrows(InvalidTrainingInputException.class, r::run).getMessage();
    }

    @Test
    void labelsFollowSpec7OneSequencePerRow() throws IOException {
        // spans: 3 other, 0 reason, 1 action, 2 observation
        Path tokens = npy("t.npy", NpyArray.of(new long[] {5, 6, 7, 8, 9, 10, -1, -1, 1, 2, 3, 4, 5, 6, 7, 8}, 2, 8));
        Path spans = npy("s.npy", NpyArray.of(new byte[] {3, 0, 0, 1, 2, 0, 0, 0, 3, 3, 0, 0, 1, 1, 2, 2}, 2, 8));
        TrainingData data = TrainingData.fromTokenFiles(tokens, spans);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, -1, -1, 0, 1, 2, 3, 4, 5, 6, 7}, data.positions());
        BatchLabels labels = new BatchLabels(data, new int[] {0, 1});
        // row 0: positions 0..4 predict tokens 6..10; position 5 has padding next: no position
        // row 1: positions 0..6 predict tokens 2..8; position 7 ends the row
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14}, labels.lossPositions());
        assertArrayEquals(new int[] {6, 7, 8, -100, 10, -100, 3, 4, 5, 6, -100, -100}, labels.labels());
        assertArrayEquals(new byte[] {0, 0, 1, 2, 0, 3, 0, 0, 1, 1, 2, 2}, labels.spans());
        assertArrayEquals(new int[] {5, 6, 7, 8, 9, 10, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}, labels.modelTokens(),
                "padding goes to the model as token 0");
        long[] r = new long[4];
        long[] a = new long[4];
        labels.addCounts(r, a);
        assertArrayEquals(new long[] {5, 3, 3, 1}, r);
        assertArrayEquals(new long[] {5, 3, 0, 0}, a);
        assertEquals(14, data.tokenCount(new int[] {0, 1}));
    }

    @Test
    void aPackedRowHasNoPositionAcrossItsSequences() throws IOException {
        Path folder = dir.resolve("prepared");
        java.nio.file.Files.createDirectories(folder);
        NpyWriter.write(folder.resolve("tokens.npy"), NpyArray.of(new int[] {1, 2, 3, 4, 5, -1}, 1, 6));
        NpyWriter.write(folder.resolve("spans.npy"), NpyArray.of(new byte[] {0, 0, 1, 0, 1, 3}, 1, 6));
        NpyWriter.write(folder.resolve("positions.npy"), NpyArray.of(new int[] {0, 1, 2, 0, 1, -1}, 1, 6));
        BatchLabels labels = new BatchLabels(TrainingData.fromPreparedFolder(folder), new int[] {0});
        // position 2 (token 3) would predict token 4, which starts the second sequence: none
        assertArrayEquals(new int[] {0, 1, 3}, labels.lossPositions());
        assertArrayEquals(new int[] {2, 3, 5}, labels.labels());
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 0}, labels.modelTokens());
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, -1}, labels.positions());
    }

    @Test
    void badInputIsNamedByFileRowAndColumn() throws IOException {
        Path tokens = npy("t.npy", NpyArray.of(new int[] {5, 6, 7, 8, 9, -1}, 2, 3));
        Path spans = npy("s.npy", NpyArray.of(new byte[] {0, 0, 0, 0, 0, 0}, 2, 3));
        TrainingData data = TrainingData.fromTokenFiles(tokens, spans);
        assertEquals(tokens + ": row 1, column 0: token 8 is out of range 0..7 (the student's vocabulary)",
                error(() -> data.checkVocabulary(8, "the student's vocabulary")));

        Path badSpans = npy("s2.npy", NpyArray.of(new int[] {0, 0, 0, 4, 0, 7}, 2, 3));
        assertEquals(badSpans + ": row 1, column 0: span code 4 is out of range (0 reason, 1 action, 2 observation, 3 other)",
                error(() -> TrainingData.fromTokenFiles(tokens, badSpans)));

        Path otherShape = npy("s3.npy", NpyArray.of(new byte[] {0, 0, 0, 0}, 2, 2));
        assertEquals(otherShape + ": shape (2, 2) differs from t.npy's (2, 3)",
                error(() -> TrainingData.fromTokenFiles(tokens, otherShape)));

        Path gap = npy("t2.npy", NpyArray.of(new int[] {5, -1, 7}, 1, 3));
        Path spans1 = npy("s4.npy", NpyArray.of(new byte[] {0, 0, 0}, 1, 3));
        assertEquals(gap + ": row 0, column 2: token 7 after padding (rows are right-padded with -1)",
                error(() -> TrainingData.fromTokenFiles(gap, spans1)));

        Path floats = npy("t3.npy", NpyArray.of(new float[] {1, 2, 3}, 1, 3));
        assertEquals(floats + ": dtype is float32, expected int32 or int64",
                error(() -> TrainingData.fromTokenFiles(floats, spans1)));

        assertEquals(dir.resolve("none.npy") + ": no such file",
                error(() -> TrainingData.fromTokenFiles(dir.resolve("none.npy"), spans1)));
    }
}
