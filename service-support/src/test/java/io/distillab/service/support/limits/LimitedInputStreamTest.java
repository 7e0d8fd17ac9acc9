package io.distillab.service.support.limits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class LimitedInputStreamTest {

    @Test
    void aBodyOfExactlyTheLimitPasses() throws IOException {
        byte[] data = new byte[1000];
        data[999] = 7;
        try (InputStream in = new LimitedInputStream(new ByteArrayInputStream(data), 1000, "x.limit")) {
            assertArrayEquals(data, in.readAllBytes());
            assertEquals(false, ((LimitedInputStream) in).exceeded());
        }
    }

    @Test
    void oneByteMoreIsRefusedWhileReadingNamingTheSetting() {
        InputStream in = new LimitedInputStream(new ByteArrayInputStream(new byte[1001]), 1000, "x.limit");
        PayloadTooLargeException e = assertThrows(PayloadTooLargeException.class, in::readAllBytes);
        assertEquals(true, ((LimitedInputStream) in).exceeded());
        assertEquals("body", e.field());
        assertEquals(1000, e.limit());
        assertEquals("x.limit", e.setting());
    }

    @Test
    void singleByteReadsAndSkipsCountToo() throws IOException {
        LimitedInputStream in = new LimitedInputStream(new ByteArrayInputStream(new byte[10]), 5, "x.limit");
        in.read();
        assertEquals(3, in.skip(3));
        in.read();
        assertEquals(5, in.count());
        assertThrows(PayloadTooLargeException.class, in::read);
    }
}
