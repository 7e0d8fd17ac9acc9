package io.distillab.training.npy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes {@code .npy} files (format 1.0, or 2.0 for a header over 64 KiB). The file appears
 * whole or not at all: the data goes to a temporary file in the same folder, which is then
 * moved over the target in one atomic rename.
 */
public final class NpyWriter {
    private static final int CHUNK_BYTES = 16 << 20;

    private NpyWriter() {
    }

    public static void write(Path file, NpyArray array) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".partial");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(channel, ByteBuffer.wrap(header(array)));
                ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (int b = 0; b < array.blockCount(); b++) {
                    writeBlock(channel, buffer, array, b);
                }
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Magic, version, length and the header dict, padded with spaces to a multiple of 64 bytes. */
    static byte[] header(NpyArray array) {
        String dict = "{'descr': '" + array.dtype().descr() + "', 'fortran_order': False, 'shape': "
                + NpyArray.shapeString(array.shape()) + ", }";
        boolean v1 = dict.length() + 1 + 10 < 65536;
        int prefix = v1 ? 10 : 12;
        int total = (prefix + dict.length() + 1 + 63) / 64 * 64;
        StringBuilder sb = new StringBuilder(dict);
        while (prefix + sb.length() + 1 < total) {
            sb.append(' ');
        }
        sb.append('\n');
        byte[] text = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer out = ByteBuffer.allocate(prefix + text.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(NpyReader.MAGIC).put((byte) (v1 ? 1 : 2)).put((byte) 0);
        if (v1) {
            out.putShort((short) text.length);
        } else {
            out.putInt(text.length);
        }
        return out.put(text).array();
    }

    private static void writeBlock(FileChannel channel, ByteBuffer buffer, NpyArray array, int b) throws IOException {
        NpyDType dtype = array.dtype();
        Chunks.forEach(array, b, buffer, (chunk, block, from, n) -> {
            switch (dtype) {
                case FLOAT32 -> chunk.asFloatBuffer().put((float[]) block, from, n);
                case UINT16 -> chunk.asShortBuffer().put((short[]) block, from, n);
                case INT32 -> chunk.asIntBuffer().put((int[]) block, from, n);
                case INT64 -> chunk.asLongBuffer().put((long[]) block, from, n);
                case INT8 -> chunk.put((byte[]) block, from, n);
            }
            chunk.position(0);
            writeFully(channel, chunk);
        });
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
