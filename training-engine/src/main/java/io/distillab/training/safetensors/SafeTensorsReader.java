package io.distillab.training.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads a safetensors file: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data. Tensors are memory-mapped
 * one at a time and converted to float32 (F32, BF16 and F16 are read).
 */
public final class SafeTensorsReader implements AutoCloseable {
    /** A tensor's entry in the header (checked: its element count fits a {@code long}). */
    public record TensorInfo(String name, String dtype, int[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private SafeTensorsReader(Path file) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = channel.size();
            if (size < 8) {
                throw new SafeTensorsFormatException(file, "shorter than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new SafeTensorsFormatException(file, "header length " + headerLen + " does not fit the file of " + size + " bytes");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(header, 8);
            dataStart = 8 + headerLen;
            JsonNode root;
            try {
                root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new SafeTensorsFormatException(file, "header is not JSON");
            }
            if (root == null || !root.isObject()) {
                throw new SafeTensorsFormatException(file, "header is not a JSON object");
            }
            long dataSize = size - dataStart;
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    if (!e.getValue().isObject()) {
                        throw new SafeTensorsFormatException(file, "__metadata__ is not a JSON object");
                    }
                    e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                tensors.put(e.getKey(), parseEntry(e.getKey(), e.getValue(), dataSize));
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Opens a file and reads its header. */
    public static SafeTensorsReader open(Path file) throws IOException {
        return new SafeTensorsReader(file);
    }

    /**
     * One tensor's entry, checked before anything is read: dtype a string, shape non-negative
     * integers whose product fits a {@code long}, data_offsets two integers inside the data, and
     * for a dtype of known width exactly the bytes the shape needs. A header may claim anything;
     * every size it claims is compared with the file's before it is used.
     */
    private TensorInfo parseEntry(String name, JsonNode e, long dataSize) {
        JsonNode dtypeNode = e.get("dtype");
        JsonNode shapeNode = e.get("shape");
        JsonNode offsets = e.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual() || shapeNode == null || !shapeNode.isArray()
                || offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new SafeTensorsFormatException(file, "tensor " + name + " has no dtype, shape or data_offsets");
        }
        String dtype = dtypeNode.textValue();
        int[] shape = new int[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                throw new SafeTensorsFormatException(file, "tensor " + name + " has a dimension that is not an"
                        + " integer from 0 to " + Integer.MAX_VALUE + ": " + d);
            }
            shape[i] = d.intValue();
        }
        long bytes;
        try {
            for (int dim : shape) {
                elements = Math.multiplyExact(elements, dim);
            }
            bytes = Math.multiplyExact(elements, Math.max(1, bytesPerElement(dtype)));
        } catch (ArithmeticException overflow) {
            throw new SafeTensorsFormatException(file, "tensor " + name + " has shape " + java.util.Arrays.toString(shape)
                    + ", larger than any file");
        }
        JsonNode b = offsets.get(0);
        JsonNode en = offsets.get(1);
        if (!b.isIntegralNumber() || !b.canConvertToLong() || !en.isIntegralNumber() || !en.canConvertToLong()) {
            throw new SafeTensorsFormatException(file, "tensor " + name + " data_offsets " + offsets
                    + " are not two integers");
        }
        long begin = b.longValue();
        long end = en.longValue();
        if (begin < 0 || end < begin || end > dataSize) {
            throw new SafeTensorsFormatException(file, "tensor " + name + " data_offsets [" + begin + ", " + end
                    + "] lie outside the " + dataSize + " data bytes");
        }
        int width = bytesPerElement(dtype);
        if (width > 0 && end - begin != bytes) {
            throw new SafeTensorsFormatException(file, "tensor " + name + " holds " + (end - begin) + " bytes, its "
                    + dtype + " shape " + java.util.Arrays.toString(shape) + " needs " + bytes);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static int bytesPerElement(String dtype) {
        return switch (dtype) {
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "F64", "I64", "U64" -> 8;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> -1;
        };
    }

    public Path file() {
        return file;
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new SafeTensorsFormatException(file, "tensor " + name + " is missing");
        }
        return info;
    }

    /** The tensor as float32, in a new array. */
    public float[] readFloats(String name) throws IOException {
        TensorInfo info = info(name);
        if (info.elements() > Integer.MAX_VALUE - 8) {
            throw new SafeTensorsFormatException(file, "tensor " + name + " has more elements than a Java array holds");
        }
        float[] out = new float[(int) info.elements()];
        readFloats(name, out);
        return out;
    }

    /** Reads the tensor as float32 into {@code dst}, which must have exactly its element count. */
    public void readFloats(String name, float[] dst) throws IOException {
        TensorInfo info = info(name);
        if (dst.length != info.elements()) {
            throw new IllegalArgumentException(name + ": destination holds " + dst.length + " floats, tensor " + info.elements());
        }
        int width = switch (info.dtype()) {
            case "F32" -> 4;
            case "BF16", "F16" -> 2;
            default -> throw new SafeTensorsFormatException(file, "tensor " + name + " has dtype " + info.dtype()
                    + " (F32, BF16 and F16 are read)");
        };
        // Map in pieces below 2 GiB (a MappedByteBuffer is int-indexed).
        long chunkElements = (1L << 30) / width;
        for (long first = 0; first < dst.length; first += chunkElements) {
            int count = (int) Math.min(chunkElements, dst.length - first);
            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin() + first * width, (long) count * width);
            map.order(ByteOrder.LITTLE_ENDIAN);
            int base = (int) first;
            switch (info.dtype()) {
                case "F32" -> map.asFloatBuffer().get(dst, base, count);
                case "BF16" -> {
                    for (int i = 0; i < count; i++) {
                        dst[base + i] = Float.intBitsToFloat((map.getShort(2 * i) & 0xFFFF) << 16);
                    }
                }
                default -> {
                    for (int i = 0; i < count; i++) {
                        dst[base + i] = halfToFloat(map.getShort(2 * i));
                    }
                }
            }
        }
    }

    /** IEEE 754 binary16 to float32 (subnormals, infinities and NaN included). */
    static float halfToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    private void readFully(ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int n = channel.read(buf, position + buf.position());
            if (n < 0) {
                throw new SafeTensorsFormatException(file, "ends early");
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
