package io.distillab.training.loss;

import io.distillab.training.npy.NpyArray;
import io.distillab.training.npy.NpyDType;

/**
 * An N x V matrix of logits (or of their gradient) in float32 or bfloat16, backed by an
 * {@link NpyArray} of float32 or uint16 (bfloat16 bit patterns).
 */
public final class Logits {
    public enum Precision {
        FLOAT32(NpyDType.FLOAT32),
        BFLOAT16(NpyDType.UINT16);

        private final NpyDType dtype;

        Precision(NpyDType dtype) {
            this.dtype = dtype;
        }

        public NpyDType dtype() {
            return dtype;
        }

        public int bytes() {
            return dtype.size();
        }

        public String label() {
            return this == FLOAT32 ? "f32" : "bf16";
        }
    }

    private final NpyArray array;
    private final Precision precision;
    private final int rows;
    private final int vocab;

    private Logits(NpyArray array, Precision precision) {
        this.array = array;
        this.precision = precision;
        this.rows = Math.toIntExact(array.dim(0));
        this.vocab = Math.toIntExact(array.dim(1));
    }

    /**
     * Views a rank-2 float32 or uint16 array as logits.
     *
     * @throws IllegalArgumentException saying what is wrong with the array's dtype or rank
     */
    public static Logits of(NpyArray array) {
        Precision precision = switch (array.dtype()) {
            case FLOAT32 -> Precision.FLOAT32;
            case UINT16 -> Precision.BFLOAT16;
            default -> throw new IllegalArgumentException("dtype is " + array.dtype().numpyName()
                    + ", expected float32 or bfloat16 stored as uint16");
        };
        if (array.rank() != 2) {
            throw new IllegalArgumentException("shape is " + NpyArray.shapeString(array.shape())
                    + ", expected 2 dimensions (N, V)");
        }
        if (array.dim(0) > Integer.MAX_VALUE || array.dim(1) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shape " + NpyArray.shapeString(array.shape()) + " is too large");
        }
        return new Logits(array, precision);
    }

    public static Logits allocate(Precision precision, int rows, int vocab) {
        return new Logits(NpyArray.allocate(precision.dtype(), rows, vocab), precision);
    }

    public NpyArray array() {
        return array;
    }

    public Precision precision() {
        return precision;
    }

    public int rows() {
        return rows;
    }

    public int vocab() {
        return vocab;
    }

    public long elementCount() {
        return (long) rows * vocab;
    }

    /** Copies {@code length} values of a row, starting at column {@code from}, widened to float. */
    public void loadRow(int row, int from, int length, float[] dst) {
        int block = array.blockOfRow(row);
        int offset = array.offsetOfRow(row) + from;
        if (precision == Precision.FLOAT32) {
            System.arraycopy(array.floats(block), offset, dst, 0, length);
        } else {
            short[] src = array.shorts(block);
            for (int i = 0; i < length; i++) {
                dst[i] = BFloat16.toFloat(src[offset + i]);
            }
        }
    }

    public float get(int row, int column) {
        int block = array.blockOfRow(row);
        int offset = array.offsetOfRow(row) + column;
        return precision == Precision.FLOAT32
                ? array.floats(block)[offset]
                : BFloat16.toFloat(array.shorts(block)[offset]);
    }

    /** Stores a value, rounded once to this matrix's precision. */
    public void set(int row, int column, double value) {
        int block = array.blockOfRow(row);
        int offset = array.offsetOfRow(row) + column;
        if (precision == Precision.FLOAT32) {
            array.floats(block)[offset] = (float) value;
        } else {
            array.shorts(block)[offset] = BFloat16.round(value);
        }
    }

    /** Stores {@code length} values into a row from column {@code from}, each rounded once. */
    public void storeRow(int row, int from, int length, double[] src) {
        int block = array.blockOfRow(row);
        int offset = array.offsetOfRow(row) + from;
        if (precision == Precision.FLOAT32) {
            float[] dst = array.floats(block);
            for (int i = 0; i < length; i++) {
                dst[offset + i] = (float) src[i];
            }
        } else {
            short[] dst = array.shorts(block);
            for (int i = 0; i < length; i++) {
                dst[offset + i] = BFloat16.round(src[i]);
            }
        }
    }

    public String describe() {
        return precision.label() + " " + rows + "x" + vocab;
    }
}
