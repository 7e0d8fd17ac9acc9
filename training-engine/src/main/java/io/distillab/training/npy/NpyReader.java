package io.distillab.training.npy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads NumPy {@code .npy} files (format versions 1, 2 and 3): little-endian float32, uint16,
 * int32, int64 and int8 arrays in C order. Fortran order, other dtypes, a short or overlong
 * data section are errors that name the file and what is wrong.
 */
public final class NpyReader {
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int CHUNK_BYTES = 16 << 20;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpyReader() {
    }

    /**
     * The header of a file: what {@link #read(Path)} would return, without the data. Its element
     * count and data size fit a {@code long} ({@link #readHeader} refuses a shape whose do not).
     */
    public record Header(NpyDType dtype, long[] shape, long dataOffset) {
        public long elementCount() {
            long n = 1;
            for (long s : shape) {
                n = Math.multiplyExact(n, s);
            }
            return n;
        }

        /** Elements per row: the product of all dimensions but the first (1 for a scalar). */
        long rowLength() {
            long n = 1;
            for (int d = 1; d < shape.length; d++) {
                n = Math.multiplyExact(n, shape[d]);
            }
            return n;
        }
    }

    public static NpyArray read(Path file) throws IOException {
        return read(file, NpyArray.DEFAULT_BLOCK_ELEMENTS);
    }

    static NpyArray read(Path file, int maxBlockElements) throws IOException {
        try (FileChannel channel = open(file)) {
            Header header = readHeader(file, channel);
            if (header.rowLength() > maxBlockElements) {
                throw new NpyFormatException(file, "a row of " + header.dtype().numpyName() + " "
                        + NpyArray.shapeString(header.shape()) + " holds " + header.rowLength()
                        + " elements, more than DistilLab reads in one row (" + maxBlockElements + ")");
            }
            long expected = header.elementCount() * header.dtype().size();
            long available = channel.size() - header.dataOffset();
            if (available < expected) {
                throw new NpyFormatException(file, "truncated: the header " + header.dtype().numpyName() + " "
                        + NpyArray.shapeString(header.shape()) + " needs " + expected + " bytes of data, the file has "
                        + available);
            }
            if (available > expected) {
                throw new NpyFormatException(file, (available - expected) + " bytes after the data of "
                        + header.dtype().numpyName() + " " + NpyArray.shapeString(header.shape()));
            }
            NpyArray array = NpyArray.allocateBlocked(header.dtype(), maxBlockElements, header.shape());
            channel.position(header.dataOffset());
            // A small file gets a small buffer: a 16 MiB direct buffer per read costs ~1 s under memory pressure.
            ByteBuffer buffer = ByteBuffer.allocateDirect((int) Math.max(8, Math.min(CHUNK_BYTES, expected))).order(ByteOrder.LITTLE_ENDIAN);
            for (int b = 0; b < array.blockCount(); b++) {
                fillBlock(file, channel, buffer, array, b);
            }
            return array;
        }
    }

    private static FileChannel open(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
    }

    /** Reads and checks the header; the channel is left at the start of the data. */
    public static Header readHeader(Path file, FileChannel channel) throws IOException {
        ByteBuffer prefix = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, channel, prefix, "the header");
        prefix.flip();
        for (byte m : MAGIC) {
            if (prefix.get() != m) {
                throw new NpyFormatException(file, "not a .npy file (no \\x93NUMPY magic)");
            }
        }
        int major = prefix.get() & 0xff;
        prefix.get(); // minor version: no format difference we depend on
        long headerLength;
        int lengthBytes;
        if (major == 1) {
            headerLength = prefix.getShort() & 0xffff;
            lengthBytes = 2;
        } else if (major == 2 || major == 3) {
            headerLength = prefix.getInt() & 0xffffffffL;
            lengthBytes = 4;
        } else {
            throw new NpyFormatException(file, "unsupported .npy format version " + major);
        }
        long dataOffset = 8 + lengthBytes + headerLength;
        if (headerLength > (1 << 24) || dataOffset > channel.size()) {
            throw new NpyFormatException(file, "truncated header");
        }
        ByteBuffer text = ByteBuffer.allocate((int) headerLength);
        channel.position(8 + lengthBytes);
        readFully(file, channel, text, "the header");
        String dict = new String(text.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyDType dtype = parseDType(file, dict);
        rejectFortranOrder(file, dict);
        long[] shape = parseShape(file, dict);
        checkSize(file, dtype, shape);
        return new Header(dtype, shape, dataOffset);
    }

    /**
     * Refuses a shape whose element count, row length or data size overflows a {@code long}: a
     * header may claim any shape, and the reader compares the size it claims with the file's.
     */
    private static void checkSize(Path file, NpyDType dtype, long[] shape) throws NpyFormatException {
        try {
            long row = 1; // checked on its own: with no rows the elements are 0 whatever the row
            for (int d = 1; d < shape.length; d++) {
                row = Math.multiplyExact(row, shape[d]);
            }
            long elements = shape.length == 0 ? 1 : Math.multiplyExact(row, shape[0]);
            Math.multiplyExact(elements, dtype.size());
        } catch (ArithmeticException e) {
            throw new NpyFormatException(file, "shape " + NpyArray.shapeString(shape) + " of " + dtype.numpyName()
                    + " is larger than any file");
        }
    }

    private static NpyDType parseDType(Path file, String dict) throws NpyFormatException {
        Matcher m = DESCR.matcher(dict);
        if (!m.find()) {
            throw new NpyFormatException(file, "unsupported dtype (a structured or missing descr): " + dict.trim());
        }
        try {
            return NpyDType.fromDescr(m.group(1));
        } catch (IllegalArgumentException e) {
            throw new NpyFormatException(file, e.getMessage());
        }
    }

    private static void rejectFortranOrder(Path file, String dict) throws NpyFormatException {
        Matcher m = FORTRAN.matcher(dict);
        if (!m.find()) {
            throw new NpyFormatException(file, "header has no fortran_order: " + dict.trim());
        }
        if (m.group(1).equals("True")) {
            throw new NpyFormatException(file, "Fortran-order arrays are not supported (save with numpy.ascontiguousarray)");
        }
    }

    private static long[] parseShape(Path file, String dict) throws NpyFormatException {
        Matcher m = SHAPE.matcher(dict);
        if (!m.find()) {
            throw new NpyFormatException(file, "header has no shape: " + dict.trim());
        }
        List<Long> dims = new ArrayList<>();
        for (String part : m.group(1).split(",")) {
            String t = part.trim();
            if (t.endsWith("L")) {
                t = t.substring(0, t.length() - 1); // Python 2 long literals
            }
            if (t.isEmpty()) {
                continue;
            }
            try {
                long d = Long.parseLong(t);
                if (d < 0) {
                    throw new NumberFormatException();
                }
                dims.add(d);
            } catch (NumberFormatException e) {
                throw new NpyFormatException(file, "bad shape (" + m.group(1) + ")");
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private static void readFully(Path file, FileChannel channel, ByteBuffer buffer, String what) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new NpyFormatException(file, "truncated in " + what);
            }
        }
    }

    private static void fillBlock(Path file, FileChannel channel, ByteBuffer buffer, NpyArray array, int b)
            throws IOException {
        NpyDType dtype = array.dtype();
        Chunks.forEach(array, b, buffer, (chunk, block, from, n) -> {
            readFully(file, channel, chunk, "the data");
            chunk.flip();
            switch (dtype) {
                case FLOAT32 -> chunk.asFloatBuffer().get((float[]) block, from, n);
                case UINT16 -> chunk.asShortBuffer().get((short[]) block, from, n);
                case INT32 -> chunk.asIntBuffer().get((int[]) block, from, n);
                case INT64 -> chunk.asLongBuffer().get((long[]) block, from, n);
                case INT8 -> chunk.get((byte[]) block, from, n);
            }
        });
    }
}
