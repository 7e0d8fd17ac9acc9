package io.distillab.training.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads files written by NumPy 2.4 (src/test/resources/npy) and round-trips our own. */
class NpyReaderWriterTest {
    @TempDir
    Path dir;

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(NpyReaderWriterTest.class.getResource("/npy/" + name).toURI());
    }

    @Test
    void readsNumpyFloat32Matrix() throws Exception {
        NpyArray a = NpyReader.read(fixture("f32_2x3.npy"));
        assertEquals(NpyDType.FLOAT32, a.dtype());
        assertArrayEquals(new long[] {2, 3}, a.shape());
        assertArrayEquals(new float[] {1.5f, -2.25f, 3.0f, 0.0f, 1e-30f, -7.5f}, a.floats(0));
    }

    @Test
    void readsNumpyIntegerTypesAndUint16() throws Exception {
        NpyArray u16 = NpyReader.read(fixture("u16_2x2.npy"));
        assertEquals(NpyDType.UINT16, u16.dtype());
        assertEquals(0x7f80, u16.longAt(3));
        assertEquals(0xbf80, u16.longAt(1));
        NpyArray i64 = NpyReader.read(fixture("i64_3.npy"));
        assertArrayEquals(new long[] {-100, 0, 151935}, i64.longs(0));
        NpyArray i32 = NpyReader.read(fixture("i32_3.npy"));
        assertArrayEquals(new int[] {5, -100, 7}, i32.ints(0));
        NpyArray i8 = NpyReader.read(fixture("i8_4.npy"));
        assertEquals(NpyDType.INT8, i8.dtype());
        assertArrayEquals(new byte[] {0, 1, 2, 3}, i8.bytes(0));
    }

    @Test
    void readsScalarsAndEmptyArrays() throws Exception {
        NpyArray scalar = NpyReader.read(fixture("scalar_f32.npy"));
        assertEquals(0, scalar.rank());
        assertEquals(2.5, scalar.valueAt(0));
        NpyArray empty = NpyReader.read(fixture("empty_0x5.npy"));
        assertArrayEquals(new long[] {0, 5}, empty.shape());
        assertEquals(0, empty.elementCount());
    }

    @Test
    void rejectsFortranOrderBigEndianAndOtherDtypes() throws Exception {
        String fortran = assertThrows(NpyFormatException.class, () -> NpyReader.read(fixture("f32_fortran.npy")))
                .getMessage();
        assertTrue(fortran.contains("f32_fortran.npy") && fortran.contains("Fortran"), fortran);
        String big = assertThrows(NpyFormatException.class, () -> NpyReader.read(fixture("f32_bigendian.npy")))
                .getMessage();
        assertTrue(big.contains("big-endian") && big.contains(">f4"), big);
        String f64 = assertThrows(NpyFormatException.class, () -> NpyReader.read(fixture("f64_3.npy"))).getMessage();
        assertTrue(f64.contains("<f8") && f64.contains("unsupported"), f64);
    }

    @Test
    void rejectsTruncatedOverlongAndNonNpyFiles() throws Exception {
        byte[] good = Files.readAllBytes(fixture("f32_2x3.npy"));
        Path truncated = dir.resolve("truncated.npy");
        Files.write(truncated, java.util.Arrays.copyOf(good, good.length - 3));
        String t = assertThrows(NpyFormatException.class, () -> NpyReader.read(truncated)).getMessage();
        assertTrue(t.contains("truncated") && t.contains("needs 24 bytes") && t.contains("has 21"), t);

        Path overlong = dir.resolve("overlong.npy");
        Files.write(overlong, java.util.Arrays.copyOf(good, good.length + 4));
        String o = assertThrows(NpyFormatException.class, () -> NpyReader.read(overlong)).getMessage();
        assertTrue(o.contains("4 bytes after the data"), o);

        Path text = dir.resolve("text.npy");
        Files.writeString(text, "hello, this is not numpy");
        assertTrue(assertThrows(NpyFormatException.class, () -> NpyReader.read(text)).getMessage().contains("magic"));

        Path missing = dir.resolve("missing.npy");
        String m = assertThrows(NoSuchFileException.class, () -> NpyReader.read(missing)).getMessage();
        assertTrue(m.contains("missing.npy"), m);
    }

    @Test
    void writesTheSameBytesAsNumpy() throws Exception {
        for (String name : new String[] {"f32_2x3.npy", "u16_2x2.npy", "i64_3.npy", "i32_3.npy", "i8_4.npy",
                "scalar_f32.npy", "empty_0x5.npy"}) {
            Path out = dir.resolve(name);
            NpyWriter.write(out, NpyReader.read(fixture(name)));
            assertArrayEquals(Files.readAllBytes(fixture(name)), Files.readAllBytes(out), name);
        }
    }

    @Test
    void roundTripsArraysSplitIntoManyBlocks() throws IOException {
        Random random = new Random(7);
        NpyArray a = NpyArray.allocateBlocked(NpyDType.FLOAT32, 37, 13, 11); // 3 rows of 11 per block
        for (int b = 0; b < a.blockCount(); b++) {
            float[] block = a.floats(b);
            for (int i = 0; i < block.length; i++) {
                block[i] = (float) random.nextGaussian();
            }
        }
        assertEquals(5, a.blockCount());
        Path out = dir.resolve("blocks.npy");
        NpyWriter.write(out, a);
        NpyArray single = NpyReader.read(out);
        NpyArray blocked = NpyReader.read(out, 22);
        assertEquals(1, single.blockCount());
        assertEquals(7, blocked.blockCount());
        for (long i = 0; i < a.elementCount(); i++) {
            assertEquals(a.valueAt(i), single.valueAt(i));
            assertEquals(a.valueAt(i), blocked.valueAt(i));
        }
    }

    @Test
    void headerIsPaddedTo64BytesAndUsesVersion2WhenLong() {
        byte[] h1 = NpyWriter.header(NpyArray.allocate(NpyDType.INT8, 3));
        assertEquals(0, h1.length % 64);
        assertEquals(1, h1[6]);
        long[] shape = new long[30000];
        java.util.Arrays.fill(shape, 1);
        byte[] h2 = NpyWriter.header(NpyArray.allocate(NpyDType.INT8, shape));
        assertEquals(2, h2[6]);
        assertEquals(0, h2.length % 64);
    }

    @Test
    void writeIsAtomicAndLeavesNoTemporaryFiles() throws IOException {
        Path out = dir.resolve("grad.npy");
        NpyWriter.write(out, NpyArray.of(new float[] {1, 2}, 2));
        NpyWriter.write(out, NpyArray.of(new float[] {3, 4, 5}, 3));
        assertArrayEquals(new float[] {3, 4, 5}, NpyReader.read(out).floats(0));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
        Path noDir = dir.resolve("absent/grad.npy");
        assertThrows(IOException.class, () -> NpyWriter.write(noDir, NpyArray.of(new float[] {1}, 1)));
    }
}
