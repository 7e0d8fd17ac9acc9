package io.distillab.service.support.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.distillab.service.support.problem.Problem;
import io.distillab.service.support.problem.ProblemException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkedUploadStreamTest {
    /** A chunk as the services' protos have it: data, or (data null) another header. */
    record Chunk(ByteString data) {
        static Chunk of(String text) {
            return new Chunk(ByteString.copyFrom(text, StandardCharsets.UTF_8));
        }
    }

    private static InputStream stream(Chunk... chunks) {
        return new ChunkedUploadStream<>(Arrays.asList(chunks).iterator(), c -> c.data() != null, Chunk::data);
    }

    @Test
    void readsTheChunksAsOneStreamAcrossBoundariesAndEmptyChunks() throws IOException {
        InputStream in = stream(Chunk.of("ab"), Chunk.of(""), Chunk.of("cde"), Chunk.of("f"));
        byte[] four = new byte[4];
        assertEquals(2, in.read(four, 0, 4), "a bulk read stops at the end of the current chunk");
        assertEquals('a', four[0]);
        assertEquals('c', in.read(), "the empty chunk is passed over");
        assertArrayEquals("def".getBytes(StandardCharsets.UTF_8), in.readAllBytes());
        assertEquals(-1, in.read());
        assertEquals(-1, in.read(four, 0, 4));
    }

    @Test
    void bytesAboveSevenBitsReadAsUnsigned() throws IOException {
        InputStream in = new ChunkedUploadStream<>(List.of(new Chunk(ByteString.copyFrom(new byte[] {(byte) 0xff})))
                .iterator(), c -> c.data() != null, Chunk::data);
        assertEquals(255, in.read());
    }

    @Test
    void noChunksAfterTheHeaderIsAnEmptyFile() throws IOException {
        assertEquals(0, stream().readAllBytes().length);
        assertEquals(0, stream().read(new byte[0], 0, 0));
    }

    @Test
    void theHeaderChunkComesFirst() {
        Chunk header = new Chunk(null);
        Iterator<Chunk> chunks = List.of(header, Chunk.of("x")).iterator();
        assertSame(header, ChunkedUploadStream.headerChunk(chunks, c -> c.data() == null, "the upload header"));
        assertEquals(Chunk.of("x"), chunks.next(), "the data chunks are left for the stream");

        ProblemException empty = assertThrows(ProblemException.class, () -> ChunkedUploadStream.headerChunk(
                List.<Chunk>of().iterator(), c -> c.data() == null, "the upload header"));
        assertEquals(new Problem("https://distillab.io/problems/invalid-request", "Invalid request", 400,
                "header: the upload is empty; the first chunk carries the header", "header", null, null),
                empty.problem());
        ProblemException dataFirst = assertThrows(ProblemException.class, () -> ChunkedUploadStream.headerChunk(
                List.of(Chunk.of("x")).iterator(), c -> c.data() == null, "the job's header"));
        assertEquals("header: the first chunk must carry the job's header", dataFirst.problem().detail());
        assertEquals("header", dataFirst.problem().field());
    }

    @Test
    void aSecondHeaderIsRefused() throws IOException {
        InputStream in = stream(Chunk.of("x"), new Chunk(null));
        assertEquals('x', in.read());
        IOException e = assertThrows(IOException.class, in::read);
        assertEquals("a chunk after the first must carry data, not another header", e.getMessage());
    }
}
