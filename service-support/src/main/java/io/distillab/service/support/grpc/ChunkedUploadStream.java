package io.distillab.service.support.grpc;

import com.google.protobuf.ByteString;
import io.distillab.service.support.problem.ProblemException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The data chunks of a client-streamed upload after its header chunk, as one stream of bytes. The
 * chunks are pulled as the reader consumes them, so the file is never held whole. A chunk without
 * data (a second header) is an {@link IOException}.
 *
 * @param <C> the service's chunk message (a {@code oneof} of header and data)
 */
public final class ChunkedUploadStream<C> extends InputStream {
    private final Iterator<C> chunks;
    private final Predicate<C> hasData;
    private final Function<C, ByteString> data;
    private ByteString current = ByteString.EMPTY;
    private int position;

    /** {@code chunks} positioned after the header; {@code hasData} and {@code data} read a chunk's data field. */
    public ChunkedUploadStream(Iterator<C> chunks, Predicate<C> hasData, Function<C, ByteString> data) {
        this.chunks = chunks;
        this.hasData = hasData;
        this.data = data;
    }

    /**
     * Takes the first chunk of {@code chunks}, which must carry the upload's header.
     *
     * @param header what the header is, for the refusal ("the upload header")
     * @throws ProblemException 400 naming the field {@code header} when there is no chunk, or the first has no header
     */
    public static <C> C headerChunk(Iterator<C> chunks, Predicate<C> hasHeader, String header) {
        if (!chunks.hasNext()) {
            throw ProblemException.invalid("header", "the upload is empty; the first chunk carries the header");
        }
        C first = chunks.next();
        if (!hasHeader.test(first)) {
            throw ProblemException.invalid("header", "the first chunk must carry " + header);
        }
        return first;
    }

    private boolean fill() throws IOException {
        while (position >= current.size()) {
            if (!chunks.hasNext()) {
                return false;
            }
            C c = chunks.next();
            if (!hasData.test(c)) {
                throw new IOException("a chunk after the first must carry data, not another header");
            }
            current = data.apply(c);
            position = 0;
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        return fill() ? current.byteAt(position++) & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.size() - position);
        current.copyTo(b, position, off, n);
        position += n;
        return n;
    }
}
