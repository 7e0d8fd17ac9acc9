package io.distillab.service.support.limits;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the bytes read through it and throws {@link PayloadTooLargeException} as soon as more
 * than {@code limitBytes} have come: a streamed body without Content-Length (chunked) is refused
 * when it passes the limit, not after it has all been read.
 */
public final class LimitedInputStream extends FilterInputStream {
    private final long limitBytes;
    private final String setting;
    private long count;

    public LimitedInputStream(InputStream in, long limitBytes, String setting) {
        super(in);
        this.limitBytes = limitBytes;
        this.setting = setting;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            counted(1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            counted(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        counted(skipped);
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false; // a reset would count bytes twice
    }

    /** Whether more than the limit came (and was refused). */
    public boolean exceeded() {
        return count > limitBytes;
    }

    /** Bytes read so far. */
    public long count() {
        return count;
    }

    private void counted(long n) {
        count += n;
        if (count > limitBytes) {
            throw PayloadTooLargeException.body(limitBytes, setting);
        }
    }
}
