package io.distillab.training.npy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzzes the {@code .npy} reader: any file reads as an array that matches its header, or is
 * refused with an {@link NpyFormatException}. A header that claims a huge shape must be refused by
 * a check, never by an OutOfMemoryError, an ArithmeticException or an IllegalArgumentException.
 * Seeds (the reader tests' fixtures, a model fixture's arrays) and kept findings:
 * NpyReaderFuzzTestInputs/readAnyBytes/ (docs/fuzzing.md).
 */
class NpyReaderFuzzTest {
    /** One scratch file per JVM, rewritten for each input: the reader reads files. */
    private static final Path FILE = scratchFile();

    @FuzzTest
    void readAnyBytes(byte[] input) throws IOException {
        Files.write(FILE, input);
        NpyArray array;
        try {
            array = NpyReader.read(FILE);
        } catch (NpyFormatException refused) {
            return;
        }
        long dataBytes = input.length - headerLength(input);
        if (array.byteCount() != dataBytes) {
            throw new AssertionError("read " + array.describe() + " (" + array.byteCount() + " bytes) from "
                    + dataBytes + " bytes of data");
        }
    }

    /** The data offset an accepted file's header states (version 1: 2 length bytes, else 4). */
    private static long headerLength(byte[] b) {
        if (b[6] == 1) {
            return 10 + ((b[8] & 0xff) | (b[9] & 0xff) << 8);
        }
        return 12 + ((b[8] & 0xffL) | (b[9] & 0xffL) << 8 | (b[10] & 0xffL) << 16 | (b[11] & 0xffL) << 24);
    }

    private static Path scratchFile() {
        try {
            Path f = Files.createTempFile("npy-fuzz", ".npy");
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
