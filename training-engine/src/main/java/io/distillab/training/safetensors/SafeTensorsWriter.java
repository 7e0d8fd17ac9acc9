package io.distillab.training.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes float32 tensors as a safetensors file, in the order given, with the header padded with
 * spaces to a multiple of 8 bytes as the reference implementation does.
 */
public final class SafeTensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> names = new ArrayList<>();
    private final List<int[]> shapes = new ArrayList<>();
    private final List<float[]> data = new ArrayList<>();

    /** Adds a tensor; {@code values} must hold exactly the product of {@code shape}. */
    public SafeTensorsWriter add(String name, int[] shape, float[] values) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(name + ": shape holds " + n + " elements, data " + values.length);
        }
        if (names.contains(name)) {
            throw new IllegalArgumentException("tensor " + name + " added twice");
        }
        names.add(name);
        shapes.add(shape.clone());
        data.add(values);
        return this;
    }

    /** Writes the file (callers make it atomic by writing to a temporary name and renaming). */
    public void write(Path file, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (int i = 0; i < names.size(); i++) {
            ObjectNode entry = header.putObject(names.get(i));
            entry.put("dtype", "F32");
            ArrayNode shape = entry.putArray("shape");
            for (int d : shapes.get(i)) {
                shape.add(d);
            }
            long bytes = 4L * data.get(i).length;
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            writeFully(ch, head);
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] values : data) {
                int i = 0;
                while (i < values.length) {
                    buf.clear();
                    int count = Math.min(values.length - i, buf.capacity() / 4);
                    buf.asFloatBuffer().put(values, i, count);
                    buf.limit(count * 4);
                    writeFully(ch, buf);
                    i += count;
                }
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
