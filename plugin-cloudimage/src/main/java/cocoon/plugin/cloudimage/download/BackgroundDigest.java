package cocoon.plugin.cloudimage.download;

import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Hashes what a download writes on a thread of its own, so the socket is read and the file written while
 * earlier bytes are hashed: on one thread, SHA-256 (~1.7 GB/s once compiled, far slower before) held the
 * reads back and the server's sends with them (501 MB on loopback: 0.36 s to read alone, 0.97 s read and
 * hashed). The download reads into a few pooled buffers it takes from here and hands each back to be hashed
 * (no copy: the main thread's CPU is what a 2-core pull is short of); when the hash falls behind by all of
 * them, the download waits.
 */
final class BackgroundDigest implements AutoCloseable {

    private static final int BUFFERS = 16;
    private static final byte[] END = new byte[0];

    @SuppressWarnings("ArrayRecordComponent") // a buffer passed between threads by identity, never compared
    private record Chunk(byte[] bytes, int length) {}

    private final MessageDigest digest;
    private final BlockingQueue<Chunk> filled = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    private final Thread worker;
    private volatile boolean abandoned;

    /** Continues {@code digest}, which may already hold the bytes of a resumed file's start. */
    BackgroundDigest(MessageDigest digest, int bufferBytes) {
        this.digest = digest;
        for (int i = 0; i < BUFFERS; i++) {
            free.add(new byte[bufferBytes]);
        }
        this.worker = Thread.ofPlatform().daemon().name("cloudimg-sha256").start(this::hash);
    }

    /** A buffer to read the next bytes into, once the hash is done with it; the caller's until {@link #update}. */
    byte[] buffer() throws InterruptedIOException {
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing the download");
        }
    }

    /**
     * Queues the first {@code length} bytes of a buffer from {@link #buffer()} to be hashed. The caller may still read
     * them (to write them to the file) but not change them: the buffer returns to the pool once hashed.
     */
    void update(byte[] buffer, int length) throws InterruptedIOException {
        try {
            filled.put(new Chunk(buffer, length));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing the download");
        }
    }

    /** The digest of everything queued, once the worker has hashed it all. */
    byte[] digest() throws InterruptedIOException {
        try {
            filled.put(new Chunk(END, 0));
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing the download");
        }
        return digest.digest();
    }

    @SuppressWarnings("ReferenceEquality") // END is a sentinel: only that very buffer ends the stream
    private void hash() {
        try {
            while (!abandoned) {
                Chunk chunk = filled.take();
                if (chunk.bytes() == END) {
                    return;
                }
                digest.update(chunk.bytes(), 0, chunk.length());
                free.put(chunk.bytes());
            }
        } catch (InterruptedException e) {
            // abandoned by close(): the download failed and its digest is not wanted
        }
    }

    /** Stops the worker when the download ends without asking for the digest. */
    @Override
    public void close() {
        abandoned = true;
        worker.interrupt();
    }
}
