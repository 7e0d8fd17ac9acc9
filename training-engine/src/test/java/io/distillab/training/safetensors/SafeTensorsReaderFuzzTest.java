package io.distillab.training.safetensors;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Fuzzes the safetensors reader: any file opens and every tensor of a dtype it reads (F32, BF16,
 * F16) reads, or the file is refused with a {@link SafeTensorsFormatException}. A header that
 * claims a huge shape or length must be refused by a check, never by an OutOfMemoryError, and no
 * shape is accepted with an element count that overflowed. Seeds (a model fixture's weights and
 * gradients) and kept findings: SafeTensorsReaderFuzzTestInputs/readAnyBytes/ (docs/fuzzing.md).
 */
class SafeTensorsReaderFuzzTest {
    /** One scratch file per JVM, rewritten for each input: the reader maps files. */
    private static final Path FILE = scratchFile();

    @FuzzTest
    void readAnyBytes(byte[] input) throws IOException {
        Files.write(FILE, input);
        try (SafeTensorsReader reader = SafeTensorsReader.open(FILE)) {
            for (String name : reader.names()) {
                SafeTensorsReader.TensorInfo info = reader.info(name);
                BigInteger elements = BigInteger.ONE;
                for (int d : info.shape()) {
                    elements = elements.multiply(BigInteger.valueOf(d));
                }
                if (!elements.equals(BigInteger.valueOf(info.elements()))) {
                    throw new AssertionError(name + ": shape " + Arrays.toString(info.shape()) + " accepted with "
                            + info.elements() + " elements, not " + elements);
                }
                if (info.dtype().equals("F32") || info.dtype().equals("BF16") || info.dtype().equals("F16")) {
                    float[] values = reader.readFloats(name);
                    if (values.length != info.elements()) {
                        throw new AssertionError(name + ": read " + values.length + " values of " + info.elements());
                    }
                }
            }
        } catch (SafeTensorsFormatException refused) {
            // the one typed refusal
        }
    }

    private static Path scratchFile() {
        try {
            Path f = Files.createTempFile("safetensors-fuzz", ".safetensors");
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
