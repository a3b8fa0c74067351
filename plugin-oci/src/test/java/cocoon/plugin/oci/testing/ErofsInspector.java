package cocoon.plugin.oci.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Looks inside an EROFS image the way the guest kernel will: {@code fsck.erofs} checks it,
 * {@code dump.erofs} finds a path's inode number, and the inode itself is read from the image
 * (erofs-utils 1.5 prints neither xattr values nor set-uid bits).
 */
public final class ErofsInspector {

    private static final Pattern NID = Pattern.compile("NID:\\s*(\\d+)");
    private static final Map<Integer, String> XATTR_PREFIX = Map.of(1, "user.", 4, "trusted.", 6, "security.");

    /** What the on-disk inode says. {@code mode} includes the file type bits. */
    public record Inode(long nid, int mode, long uid, long gid, long rdev, Map<String, String> xattrs) {
        public boolean isCharDevice() {
            return (mode & 0170000) == 0020000;
        }
    }

    private ErofsInspector() {}

    /** Runs fsck.erofs and returns its output; fails the caller if the image is damaged. */
    public static String fsck(Path image) throws IOException, InterruptedException {
        return run(List.of("fsck.erofs", image.toString()));
    }

    /** Extracts the image (owners and modes kept) with fsck.erofs, which also checks every file. */
    public static void extract(Path image, Path folder) throws IOException, InterruptedException {
        run(List.of("fsck.erofs", "--extract=" + folder, "--preserve", image.toString()));
    }

    public static Inode inode(Path image, String path) throws IOException, InterruptedException {
        Matcher nid = NID.matcher(run(List.of("dump.erofs", "--path=" + path, image.toString())));
        if (!nid.find()) {
            throw new IOException("dump.erofs found no inode for " + path);
        }
        return readInode(image, Long.parseLong(nid.group(1)));
    }

    private static Inode readInode(Path image, long nid) throws IOException {
        try (FileChannel channel = FileChannel.open(image)) {
            ByteBuffer superblock = read(channel, 1024, 128);
            int blockSize = 1 << (superblock.get(12) & 0xff);
            long metaBlock = Integer.toUnsignedLong(superblock.getInt(40));
            long xattrBlock = Integer.toUnsignedLong(superblock.getInt(44));
            long offset = metaBlock * blockSize + nid * 32;
            ByteBuffer inode = read(channel, offset, 64);
            boolean extended = (inode.getShort(0) & 1) == 1;
            int inodeSize = extended ? 64 : 32;
            int xattrCount = inode.getShort(2) & 0xffff;
            int mode = inode.getShort(4) & 0xffff;
            long rdev = Integer.toUnsignedLong(inode.getInt(16));
            long uid = extended ? Integer.toUnsignedLong(inode.getInt(24)) : inode.getShort(24) & 0xffff;
            long gid = extended ? Integer.toUnsignedLong(inode.getInt(28)) : inode.getShort(26) & 0xffff;
            Map<String, String> xattrs = new LinkedHashMap<>();
            if (xattrCount > 0) {
                int size = 12 + (xattrCount - 1) * 4;
                ByteBuffer area = read(channel, offset + inodeSize, size);
                int shared = area.get(4) & 0xff;
                for (int i = 0; i < shared; i++) {
                    long id = Integer.toUnsignedLong(area.getInt(12 + i * 4));
                    readEntry(read(channel, xattrBlock * blockSize + id * 4, 256), 0, xattrs);
                }
                int position = 12 + shared * 4;
                while (position < size) {
                    position = readEntry(area, position, xattrs);
                }
            }
            return new Inode(nid, mode, uid, gid, rdev, xattrs);
        }
    }

    /** One xattr entry (name length, name index, value size, name, value), padded to 4 bytes; returns the next position. */
    private static int readEntry(ByteBuffer area, int position, Map<String, String> into) {
        int nameLength = area.get(position) & 0xff;
        int index = area.get(position + 1) & 0xff;
        int valueSize = area.getShort(position + 2) & 0xffff;
        byte[] name = new byte[nameLength];
        byte[] value = new byte[valueSize];
        area.get(position + 4, name);
        area.get(position + 4 + nameLength, value);
        into.put(
                XATTR_PREFIX.getOrDefault(index, "?" + index + ".") + new String(name, StandardCharsets.UTF_8),
                new String(value, StandardCharsets.UTF_8));
        return position + ((4 + nameLength + valueSize + 3) & ~3);
    }

    private static ByteBuffer read(FileChannel channel, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) > 0) {
            // keep reading until full or end of image
        }
        return buffer.clear();
    }

    private static String run(List<String> argv) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + " failed: " + output);
        }
        return output;
    }
}
