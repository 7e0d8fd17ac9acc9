package io.distillab.training.train;

import io.distillab.training.loss.SpanType;
import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyDType;
import io.distillab.training.npy.NpyReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Training rows: tokens (-1 = padding), the span type of each token and its position id (0 at
 * the start of every packed sequence, -1 at padding), each [rows, L] row-major. Rows are
 * right-padded: once a row has padding it has nothing else. Labels are not stored; the trainer
 * derives them from these three arrays ({@link BatchLabels}, SPEC section 7).
 *
 * @param source what to name in messages about a token (a file, or a folder's tokens.npy)
 */
public record TrainingData(int[] tokens, byte[] spans, int[] positions, int rows, int length, String source) {
    public static final int PADDING = -1;

    /**
     * One sequence per row: {@code tokens} int32/int64 and {@code spans} int8/int32/int64, both
     * [rows, L]; positions are 0..n-1 over each row's n tokens.
     */
    public static TrainingData fromTokenFiles(Path tokensFile, Path spansFile) {
        NpyArray tokens = read(tokensFile);
        NpyArray spans = read(spansFile);
        checkMatrix(tokensFile, tokens, "int32 or int64", NpyDType.INT32, NpyDType.INT64);
        checkMatrix(spansFile, spans, "int8, int32 or int64", NpyDType.INT8, NpyDType.INT32, NpyDType.INT64);
        checkSameShape(tokensFile, tokens, spansFile, spans);
        int rows = (int) tokens.dim(0);
        int length = (int) tokens.dim(1);
        int[] t = readTokens(tokensFile, tokens, rows, length);
        byte[] m = readSpans(spansFile, spans, t, length);
        int[] positions = new int[t.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < length; c++) {
                int i = r * length + c;
                positions[i] = t[i] == PADDING ? PADDING : c;
            }
        }
        return new TrainingData(t, m, positions, rows, length, tokensFile.toString());
    }

    /**
     * The output folder of {@code distillab prepare}: {@code tokens.npy} (int32), {@code spans.npy}
     * (int8) and {@code positions.npy} (int32), all [rows, L], packed rows whose sequences restart
     * their positions at 0.
     */
    public static TrainingData fromPreparedFolder(Path dir) {
        Path tokensFile = dir.resolve("tokens.npy");
        Path spansFile = dir.resolve("spans.npy");
        Path positionsFile = dir.resolve("positions.npy");
        NpyArray tokens = read(tokensFile);
        NpyArray spans = read(spansFile);
        NpyArray positions = read(positionsFile);
        checkMatrix(tokensFile, tokens, "int32 or int64", NpyDType.INT32, NpyDType.INT64);
        checkMatrix(spansFile, spans, "int8, int32 or int64", NpyDType.INT8, NpyDType.INT32, NpyDType.INT64);
        checkMatrix(positionsFile, positions, "int32 or int64", NpyDType.INT32, NpyDType.INT64);
        checkSameShape(tokensFile, tokens, spansFile, spans);
        checkSameShape(tokensFile, tokens, positionsFile, positions);
        int rows = (int) tokens.dim(0);
        int length = (int) tokens.dim(1);
        int[] t = readTokens(tokensFile, tokens, rows, length);
        byte[] m = readSpans(spansFile, spans, t, length);
        int[] p = new int[t.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < length; c++) {
                int i = r * length + c;
                long v = positions.longAt(i);
                boolean padding = t[i] == PADDING;
                boolean ok = padding ? v == PADDING : v == 0 || c > 0 && v == p[i - 1] + 1L;
                if (!ok) {
                    throw new InvalidTrainingInputException(positionsFile + ": row " + r + ", column " + c
                            + ": position " + v + (padding ? " at padding (expected -1)"
                            : " (expected 0 to start a sequence, or the previous position + 1)"));
                }
                p[i] = (int) v;
            }
        }
        return new TrainingData(t, m, p, rows, length, tokensFile.toString());
    }

    /** Refuses token ids that are not below {@code vocab}, naming row, column and value. */
    public void checkVocabulary(int vocab, String whose) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] >= vocab) {
                throw new InvalidTrainingInputException(source + ": row " + i / length + ", column " + i % length
                        + ": token " + tokens[i] + " is out of range 0.." + (vocab - 1) + " (" + whose + ")");
            }
        }
    }

    /** The largest position id plus one: the context the model must hold. */
    public int longestSequence() {
        int max = -1;
        for (int p : positions) {
            max = Math.max(max, p);
        }
        return max + 1;
    }

    /** Non-padding tokens of the given rows. */
    public long tokenCount(int[] rowIndices) {
        long n = 0;
        for (int r : rowIndices) {
            for (int c = 0; c < length; c++) {
                n += tokens[r * length + c] == PADDING ? 0 : 1;
            }
        }
        return n;
    }

    private static NpyArray read(Path file) {
        try {
            if (Files.isDirectory(file)) {
                throw new InvalidTrainingInputException(file + ": is a folder, expected a .npy file");
            }
            return NpyReader.read(file);
        } catch (NoSuchFileException e) {
            throw new InvalidTrainingInputException(file + ": no such file");
        } catch (IOException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new InvalidTrainingInputException(message.startsWith(file.toString()) ? message : file + ": " + message);
        }
    }

    private static void checkMatrix(Path file, NpyArray a, String expected, NpyDType... allowed) {
        if (!Arrays.asList(allowed).contains(a.dtype())) {
            throw new InvalidTrainingInputException(file + ": dtype is " + a.dtype().numpyName() + ", expected " + expected);
        }
        if (a.rank() != 2) {
            throw new InvalidTrainingInputException(file + ": shape is " + NpyArray.shapeString(a.shape())
                    + ", expected 2 dimensions (rows, L)");
        }
        if (a.dim(0) < 1 || a.dim(1) < 2) {
            throw new InvalidTrainingInputException(file + ": shape is " + NpyArray.shapeString(a.shape())
                    + ", expected at least 1 row of at least 2 tokens");
        }
        if (a.elementCount() > Integer.MAX_VALUE - 8) {
            throw new InvalidTrainingInputException(file + ": shape " + NpyArray.shapeString(a.shape()) + " is too large");
        }
    }

    private static void checkSameShape(Path first, NpyArray a, Path second, NpyArray b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new InvalidTrainingInputException(second + ": shape " + NpyArray.shapeString(b.shape())
                    + " differs from " + first.getFileName() + "'s " + NpyArray.shapeString(a.shape()));
        }
    }

    private static int[] readTokens(Path file, NpyArray tokens, int rows, int length) {
        int[] t = new int[rows * length];
        for (int r = 0; r < rows; r++) {
            boolean padded = false;
            for (int c = 0; c < length; c++) {
                int i = r * length + c;
                long v = tokens.longAt(i);
                if (v < PADDING || v > Integer.MAX_VALUE) {
                    throw new InvalidTrainingInputException(file + ": row " + r + ", column " + c + ": token " + v
                            + " (expected a token id >= 0, or -1 for padding)");
                }
                if (padded && v != PADDING) {
                    throw new InvalidTrainingInputException(file + ": row " + r + ", column " + c + ": token " + v
                            + " after padding (rows are right-padded with -1)");
                }
                padded |= v == PADDING;
                t[i] = (int) v;
            }
        }
        return t;
    }

    /** Span codes of the tokens; at padding the value is not used and not checked (stored as OTHER). */
    private static byte[] readSpans(Path file, NpyArray spans, int[] tokens, int length) {
        byte[] m = new byte[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == PADDING) {
                m[i] = (byte) SpanType.OTHER.code();
                continue;
            }
            long v = spans.longAt(i);
            if (v < 0 || v >= SpanType.COUNT) {
                throw new InvalidTrainingInputException(file + ": row " + i / length + ", column " + i % length
                        + ": span code " + v + " is out of range (0 reason, 1 action, 2 observation, 3 other)");
            }
            m[i] = (byte) v;
        }
        return m;
    }
}
