package cocoon.plugin.cloudimage.qemu;

import cocoon.plugin.cloudimage.NotADiskImageException;
import cocoon.plugin.cloudimage.StorageException;
import cocoon.plugin.cloudimage.UnsafeImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Decides a downloaded file's format from its magic bytes, in Java, before any {@code qemu-img}
 * opens it, so qemu-img is always told {@code -f} and never probes.
 *
 * <p>What counts as a disk image: a file whose header is one of the formats in {@link SourceFormat},
 * or else a raw image, which must be a non-empty multiple of 512 bytes whose first sector ends with
 * the 0x55AA boot signature. Cloud images boot through UEFI firmware, so a usable raw image always
 * carries a partition table (an MBR, or the protective MBR in front of a GPT); a text file, an
 * archive or a bare file system does not.
 *
 * <p>A qcow2 header that names a backing file or an external data file, or that is encrypted, is
 * refused here: opening it would make qemu read a file on this host.
 */
public final class ImageSniffer {

    static final int SECTOR = 512;
    private static final int HEADER_BYTES = 4096;
    private static final long QCOW2_INCOMPAT_DATA_FILE = 1L << 2;
    /** Stored little-endian at offset 0x40 of a VDI header. */
    private static final int VDI_SIGNATURE = 0xbeda107f;

    private ImageSniffer() {}

    public static SourceFormat sniff(Path file, String source) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            ByteBuffer head = read(channel, 0, (int) Math.min(size, HEADER_BYTES));
            if (startsWith(head, 0, "QFI\u00fb")) {
                checkQcow2(head, source);
                return SourceFormat.QCOW2;
            }
            if (startsWith(head, 0, "# Disk DescriptorFile")) {
                throw new UnsafeImageException(source + " is a VMDK descriptor that refers to other files");
            }
            if (startsWith(head, 0, "KDMV")) {
                return SourceFormat.VMDK;
            }
            if (startsWith(head, 0, "vhdxfile")) {
                return SourceFormat.VHDX;
            }
            if (startsWith(head, 0, "conectix")
                    || (size >= SECTOR && startsWith(read(channel, size - SECTOR, SECTOR), 0, "conectix"))) {
                return SourceFormat.VPC;
            }
            if (head.limit() >= 0x44 && Integer.reverseBytes(head.getInt(0x40)) == VDI_SIGNATURE) {
                return SourceFormat.VDI;
            }
            if (size > 0
                    && size % SECTOR == 0
                    && head.limit() >= SECTOR
                    && (head.get(510) & 0xff) == 0x55
                    && (head.get(511) & 0xff) == 0xaa) {
                return SourceFormat.RAW;
            }
            throw new NotADiskImageException(source, size);
        } catch (IOException e) {
            throw StorageException.of("cannot read the download", file, e, "pull again");
        }
    }

    private static void checkQcow2(ByteBuffer head, String source) {
        if (head.limit() < 72) {
            throw new NotADiskImageException(source, head.limit());
        }
        int version = head.getInt(4);
        if (head.getLong(8) != 0) {
            throw new UnsafeImageException(source + " is a qcow2 overlay with a backing file");
        }
        if (head.getInt(32) != 0) {
            throw new UnsafeImageException(source + " is an encrypted qcow2 image");
        }
        if (version >= 3 && head.limit() >= 80 && (head.getLong(72) & QCOW2_INCOMPAT_DATA_FILE) != 0) {
            throw new UnsafeImageException(source + " is a qcow2 image with an external data file");
        }
    }

    private static ByteBuffer read(FileChannel channel, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        int n = 0;
        while (buffer.hasRemaining() && n >= 0) {
            n = channel.read(buffer, offset + buffer.position());
        }
        return buffer.flip();
    }

    private static boolean startsWith(ByteBuffer buffer, int offset, String magic) {
        byte[] bytes = magic.getBytes(StandardCharsets.ISO_8859_1);
        if (buffer.limit() < offset + bytes.length) {
            return false;
        }
        for (int i = 0; i < bytes.length; i++) {
            if (buffer.get(offset + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }
}
