package io.distillab.training.npy;

import java.util.Arrays;

/**
 * An n-dimensional array in C order, as read from or written to a {@code .npy} file.
 *
 * <p>Java arrays hold at most 2^31 - 1 elements, and a batch of logits (8192 x 151936 floats)
 * holds more, so the elements live in blocks of whole rows (a row is one index of the first
 * dimension). Row {@code r} is in block {@link #blockOfRow(long)} at element offset
 * {@link #offsetOfRow(long)}; each block is a primitive array of the dtype's Java type
 * ({@code float[]}, {@code short[]} for uint16, {@code int[]}, {@code long[]}, {@code byte[]}).
 */
public final class NpyArray {
    /** Elements per block unless told otherwise: 2^30, a 4 GiB float block at most. */
    public static final int DEFAULT_BLOCK_ELEMENTS = 1 << 30;

    private final NpyDType dtype;
    private final long[] shape;
    private final long rows;
    private final int rowLength;
    private final int rowsPerBlock;
    private final Object[] blocks;

    private NpyArray(NpyDType dtype, long[] shape, int maxBlockElements, Object[] blocks) {
        this.dtype = dtype;
        this.shape = shape.clone();
        long length = 1;
        for (int d = 1; d < shape.length; d++) {
            length = Math.multiplyExact(length, shape[d]);
        }
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
        if (length > maxBlockElements) {
            throw new IllegalArgumentException("a row of " + length + " elements is longer than a block ("
                    + maxBlockElements + ")");
        }
        this.rows = shape.length == 0 ? 1 : shape[0];
        this.rowLength = (int) length;
        this.rowsPerBlock = rowLength == 0 ? Integer.MAX_VALUE : Math.max(1, maxBlockElements / rowLength);
        this.blocks = blocks != null ? blocks : allocateBlocks();
    }

    /** A zero-filled array. */
    public static NpyArray allocate(NpyDType dtype, long... shape) {
        return new NpyArray(dtype, shape, DEFAULT_BLOCK_ELEMENTS, null);
    }

    /** A zero-filled array whose blocks hold at most {@code maxBlockElements} elements. */
    public static NpyArray allocateBlocked(NpyDType dtype, int maxBlockElements, long... shape) {
        return new NpyArray(dtype, shape, maxBlockElements, null);
    }

    /** Wraps one array (not copied) as a single block. */
    public static NpyArray of(float[] data, long... shape) {
        return wrap(NpyDType.FLOAT32, data, data.length, shape);
    }

    public static NpyArray ofUint16(short[] data, long... shape) {
        return wrap(NpyDType.UINT16, data, data.length, shape);
    }

    public static NpyArray of(int[] data, long... shape) {
        return wrap(NpyDType.INT32, data, data.length, shape);
    }

    public static NpyArray of(long[] data, long... shape) {
        return wrap(NpyDType.INT64, data, data.length, shape);
    }

    public static NpyArray of(byte[] data, long... shape) {
        return wrap(NpyDType.INT8, data, data.length, shape);
    }

    private static NpyArray wrap(NpyDType dtype, Object data, int length, long[] shape) {
        long count = count(shape);
        if (count != length) {
            throw new IllegalArgumentException(length + " elements do not fill shape " + Arrays.toString(shape));
        }
        return new NpyArray(dtype, shape, Math.max(1, length), new Object[] {data});
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        return n;
    }

    private Object[] allocateBlocks() {
        int count = rows == 0 || rowLength == 0 ? 0 : (int) ((rows + rowsPerBlock - 1) / rowsPerBlock);
        Object[] result = new Object[count];
        for (int b = 0; b < count; b++) {
            long blockRows = Math.min(rowsPerBlock, rows - (long) b * rowsPerBlock);
            int n = (int) (blockRows * rowLength);
            result[b] = switch (dtype) {
                case FLOAT32 -> new float[n];
                case UINT16 -> new short[n];
                case INT32 -> new int[n];
                case INT64 -> new long[n];
                case INT8 -> new byte[n];
            };
        }
        return result;
    }

    public NpyDType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int axis) {
        return shape[axis];
    }

    /** The size of the first dimension (1 for a scalar). */
    public long rows() {
        return rows;
    }

    /** Elements per row: the product of all dimensions but the first. */
    public int rowLength() {
        return rowLength;
    }

    public long elementCount() {
        return rows * rowLength;
    }

    public long byteCount() {
        return elementCount() * dtype.size();
    }

    public int blockCount() {
        return blocks.length;
    }

    public int rowsPerBlock() {
        return rowsPerBlock;
    }

    public int blockOfRow(long row) {
        return (int) (row / rowsPerBlock);
    }

    /** The element offset of a row inside its block. */
    public int offsetOfRow(long row) {
        return (int) (row % rowsPerBlock) * rowLength;
    }

    /** Elements in block {@code b}. */
    public int blockLength(int b) {
        return java.lang.reflect.Array.getLength(blocks[b]);
    }

    /** The block itself (not a copy): a {@code float[]}, {@code short[]}, {@code int[]}, {@code long[]} or {@code byte[]}. */
    public Object block(int b) {
        return blocks[b];
    }

    public float[] floats(int b) {
        return (float[]) typed(b, NpyDType.FLOAT32);
    }

    public short[] shorts(int b) {
        return (short[]) typed(b, NpyDType.UINT16);
    }

    public int[] ints(int b) {
        return (int[]) typed(b, NpyDType.INT32);
    }

    public long[] longs(int b) {
        return (long[]) typed(b, NpyDType.INT64);
    }

    public byte[] bytes(int b) {
        return (byte[]) typed(b, NpyDType.INT8);
    }

    private Object typed(int b, NpyDType expected) {
        if (dtype != expected) {
            throw new IllegalStateException("array is " + dtype.numpyName() + ", not " + expected.numpyName());
        }
        return blocks[b];
    }

    /**
     * The element at a C-order flat index, as a double: float32 as is, uint16 as its unsigned
     * value, integers exactly where they fit in 53 bits.
     */
    public double valueAt(long flatIndex) {
        Object block = blocks[(int) (flatIndex / ((long) rowsPerBlock * rowLength))];
        int i = (int) (flatIndex % ((long) rowsPerBlock * rowLength));
        return switch (dtype) {
            case FLOAT32 -> ((float[]) block)[i];
            case UINT16 -> ((short[]) block)[i] & 0xffff;
            case INT32 -> ((int[]) block)[i];
            case INT64 -> ((long[]) block)[i];
            case INT8 -> ((byte[]) block)[i];
        };
    }

    /** The integer element at a flat index. */
    public long longAt(long flatIndex) {
        if (!dtype.isInteger()) {
            throw new IllegalStateException("array is " + dtype.numpyName() + ", not an integer type");
        }
        Object block = blocks[(int) (flatIndex / ((long) rowsPerBlock * rowLength))];
        int i = (int) (flatIndex % ((long) rowsPerBlock * rowLength));
        return switch (dtype) {
            case UINT16 -> ((short[]) block)[i] & 0xffff;
            case INT32 -> ((int[]) block)[i];
            case INT64 -> ((long[]) block)[i];
            case INT8 -> ((byte[]) block)[i];
            case FLOAT32 -> throw new AssertionError();
        };
    }

    /** A short description for messages: {@code float32 (8, 151936)}. */
    public String describe() {
        return dtype.numpyName() + " " + shapeString(shape);
    }

    /** A shape as NumPy prints it: {@code (3,)}, {@code (2, 5)}, {@code ()}. */
    public static String shapeString(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int d = 0; d < shape.length; d++) {
            if (d > 0) {
                sb.append(", ");
            }
            sb.append(shape[d]);
        }
        if (shape.length == 1) {
            sb.append(',');
        }
        return sb.append(')').toString();
    }
}
