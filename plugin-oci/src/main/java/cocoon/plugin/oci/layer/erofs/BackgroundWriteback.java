package cocoon.plugin.oci.layer.erofs;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * Has the kernel write an image's blocks to disk while more of the layer arrives, so the fsync before the store
 * commits the image finds little left: with a lot of memory nothing reaches the disk by itself until then. One
 * fsync at a time, each on a short-lived thread, started every {@link #STEP} bytes written.
 */
final class BackgroundWriteback implements AutoCloseable {

    private static final long STEP = 64L << 20;

    private final FileChannel image;
    private long startedAt;
    private Thread running;

    BackgroundWriteback(FileChannel image) {
        this.image = image;
    }

    /** The image has {@code bytes} written so far. */
    void written(long bytes) {
        if (bytes - startedAt >= STEP && (running == null || !running.isAlive())) {
            startedAt = bytes;
            running = Thread.ofPlatform().daemon().name("erofs-writeback").start(this::sync);
        }
    }

    private void sync() {
        try {
            image.force(false);
        } catch (IOException e) {
            // Only an early start: the store's own fsync before the commit reports what went wrong.
        }
    }

    /** Waits for the fsync under way, so none outlives the image's channel. */
    @Override
    public void close() {
        if (running == null) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                running.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
