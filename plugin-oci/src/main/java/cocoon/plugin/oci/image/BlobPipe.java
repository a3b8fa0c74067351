package cocoon.plugin.oci.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hands a blob from the thread that downloads it to the thread that unpacks it, in large chunks
 * through a small bounded queue, so a layer is converted while it arrives and never lands on disk
 * compressed. The writer ends the stream with {@link #finish()} only once the download is verified,
 * so a reader that reaches the end knows every byte it read was the blob the manifest named; a
 * failed download ends it with {@link #fail}, and the reader sees that failure. A reader that gives
 * up {@link InputStream#close() closes} its side, and the writer's next write fails.
 */
final class BlobPipe {

    private static final int CHUNK = 256 << 10;
    private static final int CHUNKS_IN_FLIGHT = 16;
    private static final Chunk END = new Chunk(new byte[0], 0);

    @SuppressWarnings("ArrayRecordComponent") // a buffer passed between threads by identity, never compared
    private record Chunk(byte[] bytes, int length) {}

    private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(CHUNKS_IN_FLIGHT + 1);
    private final BlockingQueue<byte[]> empty = new ArrayBlockingQueue<>(CHUNKS_IN_FLIGHT + 1);
    private final Sink sink = new Sink();
    private final Source source = new Source();
    private volatile boolean readerClosed;
    private volatile Throwable writerFailure;

    OutputStream sink() {
        return sink;
    }

    InputStream source() {
        return source;
    }

    /** The whole blob was written and verified: the reader gets the end of the stream after the last chunk. */
    void finish() throws IOException {
        sink.flushChunk();
        put(END);
    }

    /** The download failed: the reader's next read throws, naming this cause. */
    void fail(Throwable cause) {
        writerFailure = cause;
        full.clear();
        full.offer(END);
    }

    /** Why the download failed, or null: what a pull reports when both sides fail. */
    Throwable writerFailure() {
        return writerFailure;
    }

    /** The reader gave up: what the writer still sends is refused. */
    void abandon() {
        source.close();
    }

    boolean readerClosed() {
        return readerClosed;
    }

    private void put(Chunk chunk) throws IOException {
        try {
            while (!full.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                if (readerClosed) {
                    throw new IOException("the layer's unpacking stopped");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while handing a layer over for unpacking");
        }
    }

    private final class Sink extends OutputStream {
        private byte[] current;
        private int filled;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            while (length > 0) {
                if (readerClosed) {
                    throw new IOException("the layer's unpacking stopped");
                }
                if (current == null) {
                    byte[] recycled = empty.poll();
                    current = recycled != null ? recycled : new byte[CHUNK];
                    filled = 0;
                }
                int n = Math.min(length, current.length - filled);
                System.arraycopy(bytes, offset, current, filled, n);
                filled += n;
                offset += n;
                length -= n;
                if (filled == current.length) {
                    flushChunk();
                }
            }
        }

        void flushChunk() throws IOException {
            if (current != null && filled > 0) {
                put(new Chunk(current, filled));
            }
            current = null;
        }
    }

    private final class Source extends InputStream {
        private Chunk current;
        private int position;
        private boolean ended;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            if (!next()) {
                return -1;
            }
            int n = Math.min(length, current.length() - position);
            System.arraycopy(current.bytes(), position, into, offset, n);
            position += n;
            return n;
        }

        /** Whether bytes are available, waiting for the next chunk if need be. */
        @SuppressWarnings("ReferenceEquality") // END is a sentinel: only that very chunk ends the stream
        private boolean next() throws IOException {
            if (ended) {
                return endOrFailure();
            }
            if (current != null && position < current.length()) {
                return true;
            }
            if (current != null) {
                empty.offer(current.bytes());
                current = null;
            }
            Chunk chunk;
            try {
                chunk = full.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for layer bytes");
            }
            if (chunk == END) {
                ended = true;
                return endOrFailure();
            }
            current = chunk;
            position = 0;
            return true;
        }

        private boolean endOrFailure() throws IOException {
            if (writerFailure != null) {
                throw new IOException("the layer download failed: " + writerFailure.getMessage(), writerFailure);
            }
            return false;
        }

        @Override
        public void close() {
            readerClosed = true;
            // Frees the chunks; a writer waiting for room sees readerClosed within 100 ms.
            full.clear();
        }
    }
}
