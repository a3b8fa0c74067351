package cocoon.plugin.cloudimage.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The fixed start of a qcow2 header (QEMU's docs/interop/qcow2.txt): magic, version, and at byte 24
 * the virtual size, all big-endian. Reading it spares {@code create} a {@code qemu-img info} fork
 * for a base the pull already checked.
 */
public final class Qcow2Header {

    private static final int MAGIC = 0x514649fb; // "QFI\xfb"
    private static final int BACKING_OFFSET = 8;
    private static final int BACKING_SIZE = 16;
    private static final int SIZE_OFFSET = 24;
    private static final int BACKING_MAX = 1023; // QEMU refuses longer backing file names
    private static final int READ = 32;

    private Qcow2Header() {}

    /** The disk size the guest sees; IOException if the file is not a qcow2 image of version 2 or 3. */
    public static long virtualSize(Path image) throws IOException {
        ByteBuffer header;
        try (InputStream in = Files.newInputStream(image)) {
            header = ByteBuffer.wrap(in.readNBytes(READ));
        }
        if (header.capacity() < READ || header.getInt(0) != MAGIC) {
            throw new IOException(image + " is not a qcow2 image");
        }
        int version = header.getInt(4);
        long size = header.getLong(SIZE_OFFSET);
        if ((version != 2 && version != 3) || size < 0) {
            throw new IOException(image + " has a qcow2 header this reader does not know (version " + version + ")");
        }
        return size;
    }

    /** The backing file name the header holds (as written, absolute for Cocoon's overlays), or empty for none. */
    public static Optional<String> backingFile(Path image) throws IOException {
        try (FileChannel file = FileChannel.open(image)) {
            ByteBuffer header = ByteBuffer.allocate(READ);
            file.read(header, 0);
            if (header.position() < READ || header.getInt(0) != MAGIC) {
                throw new IOException(image + " is not a qcow2 image");
            }
            long offset = header.getLong(BACKING_OFFSET);
            int length = header.getInt(BACKING_SIZE);
            if (offset == 0 || length == 0) {
                return Optional.empty();
            }
            if (length < 0 || length > BACKING_MAX) {
                throw new IOException(image + " names a backing file of " + length + " bytes");
            }
            ByteBuffer name = ByteBuffer.allocate(length);
            file.read(name, offset);
            return Optional.of(new String(name.array(), 0, name.position(), StandardCharsets.UTF_8));
        }
    }
}
