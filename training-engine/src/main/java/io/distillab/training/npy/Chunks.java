package io.distillab.training.npy;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Moves a block of an array through a byte buffer, one buffer-full at a time. */
final class Chunks {
    interface Transfer {
        /** Moves elements [from, from + count) of the block; the buffer is cleared and limited to their bytes. */
        void apply(ByteBuffer buffer, Object block, int from, int count) throws IOException;
    }

    private Chunks() {
    }

    static void forEach(NpyArray array, int b, ByteBuffer buffer, Transfer transfer) throws IOException {
        int size = array.dtype().size();
        int length = array.blockLength(b);
        int perChunk = buffer.capacity() / size;
        for (int done = 0; done < length; ) {
            int n = Math.min(perChunk, length - done);
            buffer.clear().limit(n * size);
            transfer.apply(buffer, array.block(b), done, n);
            done += n;
        }
    }
}
