package cocoon.plugin.oci.layer.erofs;

import cocoon.api.EarlyWriteback;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes an uncompressed EROFS image in one pass over its files' contents: each regular file's bytes go to the
 * image as they arrive, block-aligned (the gap after a file's last byte is left a hole), and the metadata (inodes,
 * folders, symlink targets, the superblock) is written once the tree is complete. The layout, from the kernel's
 * {@code fs/erofs/erofs_fs.h}: 4 KiB blocks; the superblock at byte 1024 of block 0; file data from block 1;
 * then the inode area at {@code meta_blkaddr}, where an inode's nid is its offset in 32-byte slots; extended
 * (64-byte) inodes with their xattrs inline; folders and symlinks keep their last partial block inline after the
 * inode ({@code FLAT_INLINE}) and any full blocks after the inode area; regular files are {@code FLAT_PLAIN}.
 */
public final class ErofsImageWriter implements Closeable {

    public static final int BLOCK_SIZE = 4096;

    private static final int BLOCK_BITS = 12;
    private static final int MAGIC = 0xE0F5E1E2;
    private static final int SUPERBLOCK_OFFSET = 1024;
    private static final int INODE_SIZE = 64;
    private static final int SLOT = 32;
    private static final int DIRENT_SIZE = 12;
    private static final int XATTR_HEADER = 12;
    private static final int LAYOUT_FLAT_PLAIN = 0;
    private static final int LAYOUT_FLAT_INLINE = 2;
    private static final int COPY_BUFFER = 1 << 20;

    /** The xattr name prefixes EROFS stores as an index, longest match first. */
    private static final List<Map.Entry<String, Integer>> PREFIXES = List.of(
            Map.entry("system.posix_acl_default", 3),
            Map.entry("system.posix_acl_access", 2),
            Map.entry("security.", 6),
            Map.entry("trusted.", 4),
            Map.entry("user.", 1));

    private final FileChannel channel;
    private final EarlyWriteback writeback;
    private final byte[] buffer = new byte[COPY_BUFFER];
    private long nextBlock = 1;

    /** Creates {@code image}, which must not exist. */
    public ErofsImageWriter(Path image) throws IOException {
        this.channel = FileChannel.open(
                image, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.writeback = new EarlyWriteback(channel, "erofs-writeback");
    }

    /** Whether EROFS can store this xattr: a name under a prefix it indexes, a value under 64 KiB. */
    public static boolean storable(String xattr, byte[] value) {
        Map.Entry<String, Integer> prefix = prefixOf(xattr);
        return prefix != null
                && xattr.substring(prefix.getKey().length()).getBytes(StandardCharsets.UTF_8).length <= 0xff
                && value.length <= 0xffff;
    }

    /** Copies {@code content} to its end into the image, from the next free block; returns the new file. */
    public ErofsInode writeFile(InputStream content) throws IOException {
        long start = nextBlock;
        long position = start * BLOCK_SIZE;
        long size = 0;
        int read;
        while ((read = content.readNBytes(buffer, 0, buffer.length)) > 0) {
            ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, read);
            while (chunk.hasRemaining()) {
                position += channel.write(chunk, position);
            }
            size += read;
            writeback.written(position);
        }
        nextBlock = start + blocks(size);
        return ErofsInode.regularFile(size == 0 ? 0 : start, size);
    }

    /**
     * Copies a regular file's bytes, already in the image, to {@code target}: file to file, so the kernel copies them
     * (a stream in between went through an 8 KiB buffer, ~4,000 calls for a kernel and its initrd).
     */
    public void copyOut(ErofsInode file, Path target) throws IOException {
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long start = file.startBlock * BLOCK_SIZE;
            for (long copied = 0; copied < file.size; ) {
                long sent = channel.transferTo(start + copied, file.size - copied, out);
                if (sent <= 0) {
                    throw new IOException("image ends inside a file");
                }
                copied += sent;
            }
        }
    }

    /** A regular file's bytes, already in the image. */
    public byte[] read(ErofsInode file) throws IOException {
        if (file.size > Integer.MAX_VALUE - 8) {
            throw new IOException("file of " + file.size + " bytes is too large to read at once");
        }
        ByteBuffer bytes = ByteBuffer.allocate((int) file.size);
        long position = file.startBlock * BLOCK_SIZE;
        while (bytes.hasRemaining()) {
            int read = channel.read(bytes, position + bytes.position());
            if (read < 0) {
                throw new IOException("image ends inside a file");
            }
        }
        return bytes.array();
    }

    /** Writes the metadata of the tree under {@code root}, then the superblock; the image is complete after it. */
    public void finish(ErofsInode root, long buildTimeSeconds) throws IOException {
        Layout layout = new Layout();
        layout.collect(root);
        layout.place();
        long metaBlock = nextBlock;
        long extraBlock = metaBlock + blocks(layout.metaBytes);
        ByteBuffer meta = littleEndian((int) (blocks(layout.metaBytes) * BLOCK_SIZE));
        long extra = extraBlock;
        for (Placed placed : layout.inodes) {
            byte[] payload = layout.payload(placed);
            int fullBlocks = payload.length / BLOCK_SIZE;
            int outside = placed.inline ? fullBlocks * BLOCK_SIZE : payload.length;
            long rawBlock = placed.inode.type() == ErofsInode.Type.REGULAR ? placed.inode.startBlock : 0;
            if (outside > 0) {
                rawBlock = extra;
                writeAt(ByteBuffer.wrap(payload, 0, outside), extra * BLOCK_SIZE);
                extra += blocks(outside);
            }
            writeInode(meta, placed, rawBlock, payload.length);
            if (placed.inline) {
                meta.put(payload, outside, payload.length - outside);
            }
        }
        meta.clear();
        writeAt(meta, metaBlock * BLOCK_SIZE);
        writeAt(superblock(layout, metaBlock, extra, buildTimeSeconds), SUPERBLOCK_OFFSET);
        if (channel.size() < extra * BLOCK_SIZE) {
            writeAt(ByteBuffer.allocate(1), extra * BLOCK_SIZE - 1);
        }
    }

    @Override
    public void close() throws IOException {
        try (channel) {
            writeback.close();
        }
    }

    private void writeInode(ByteBuffer meta, Placed placed, long rawBlock, long payloadSize) {
        ErofsInode inode = placed.inode;
        meta.position((int) placed.offset);
        int layout = placed.inline ? LAYOUT_FLAT_INLINE : LAYOUT_FLAT_PLAIN;
        meta.putShort((short) (1 | layout << 1));
        meta.putShort((short) (placed.xattrs.length == 0 ? 0 : (placed.xattrs.length - XATTR_HEADER) / 4 + 1));
        meta.putShort((short) (inode.type().modeBits | inode.permissions()));
        meta.putShort((short) 0);
        meta.putLong(inode.type() == ErofsInode.Type.REGULAR ? inode.size : payloadSize);
        boolean device =
                inode.type() == ErofsInode.Type.CHARACTER_DEVICE || inode.type() == ErofsInode.Type.BLOCK_DEVICE;
        meta.putInt(device ? encodeDevice(inode.major, inode.minor) : (int) rawBlock);
        meta.putInt(placed.ino);
        meta.putInt((int) inode.uid());
        meta.putInt((int) inode.gid());
        meta.putLong(inode.mtimeSeconds());
        meta.putInt(inode.mtimeNanos());
        meta.putInt(placed.links);
        meta.put(new byte[16]);
        meta.put(placed.xattrs);
    }

    private ByteBuffer superblock(Layout layout, long metaBlock, long totalBlocks, long buildTimeSeconds) {
        ByteBuffer block = littleEndian(128);
        block.putInt(MAGIC);
        block.putInt(0); // checksum: its feature bit stays off
        block.putInt(0); // feature_compat
        block.put((byte) BLOCK_BITS);
        block.put((byte) 0); // sb_extslots
        block.putShort((short) layout.rootNid);
        block.putLong(layout.inodes.size());
        block.putLong(buildTimeSeconds);
        block.putInt(0); // build_time_nsec
        block.putInt((int) totalBlocks);
        block.putInt((int) metaBlock);
        block.putInt(0); // xattr_blkaddr: no shared xattrs
        block.clear();
        return block;
    }

    private void writeAt(ByteBuffer bytes, long position) throws IOException {
        while (bytes.hasRemaining()) {
            position += channel.write(bytes, position);
        }
    }

    /** Linux's {@code new_encode_dev}, which the kernel's EROFS driver decodes. */
    private static int encodeDevice(int major, int minor) {
        return (minor & 0xff) | (major & 0xfff) << 8 | (minor & ~0xff) << 12;
    }

    private static long blocks(long bytes) {
        return (bytes + BLOCK_SIZE - 1) / BLOCK_SIZE;
    }

    private static ByteBuffer littleEndian(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static Map.Entry<String, Integer> prefixOf(String xattr) {
        for (Map.Entry<String, Integer> prefix : PREFIXES) {
            boolean acl = prefix.getValue() == 2 || prefix.getValue() == 3;
            if (acl ? xattr.equals(prefix.getKey()) : xattr.startsWith(prefix.getKey())) {
                return prefix;
            }
        }
        return null;
    }

    /** An inode's place in the inode area, and what was worked out about it before the area is written. */
    private static final class Placed {
        final ErofsInode inode;
        final int ino;
        int links;
        byte[] xattrs;
        /** Folder entries sorted by name, including {@code .} and {@code ..}; null for other types. */
        List<Entry> entries;

        long payloadSize;
        boolean inline;
        long offset;

        Placed(ErofsInode inode, int ino) {
            this.inode = inode;
            this.ino = ino;
        }

        long nid() {
            return offset / SLOT;
        }
    }

    /** A folder entry: a name as stored, and its inode (null for {@code ..}, the parent). */
    private static final class Entry {
        private final byte[] name;
        private final ErofsInode inode;

        Entry(byte[] name, ErofsInode inode) {
            this.name = name;
            this.inode = inode;
        }

        byte[] name() {
            return name;
        }

        ErofsInode inode() {
            return inode;
        }
    }

    /** Where every inode of the tree goes, worked out before any metadata is written. */
    private static final class Layout {
        final IdentityHashMap<ErofsInode, Placed> placed = new IdentityHashMap<>();
        final List<Placed> inodes = new ArrayList<>();
        long metaBytes;
        long rootNid;

        /** Numbers every inode once, root first, and counts its links. */
        void collect(ErofsInode root) {
            List<ErofsInode> pending = new ArrayList<>(List.of(root));
            Placed top = visit(root, root);
            top.links = 2;
            for (int i = 0; i < pending.size(); i++) {
                ErofsInode dir = pending.get(i);
                Placed self = placed.get(dir);
                List<Entry> entries = new ArrayList<>();
                entries.add(new Entry(new byte[] {'.'}, dir));
                entries.add(new Entry(new byte[] {'.', '.'}, null));
                for (Map.Entry<String, ErofsInode> child : dir.children().entrySet()) {
                    ErofsInode inode = child.getValue();
                    entries.add(new Entry(child.getKey().getBytes(StandardCharsets.UTF_8), inode));
                    boolean fresh = !placed.containsKey(inode);
                    Placed entry = visit(inode, dir);
                    if (inode.isDirectory()) {
                        entry.links = 2;
                        self.links++;
                        pending.add(inode);
                    } else {
                        entry.links++;
                    }
                    if (!fresh && inode.isDirectory()) {
                        throw new IllegalStateException("a folder has two names");
                    }
                }
                entries.sort((a, b) -> Arrays.compareUnsigned(a.name(), b.name()));
                self.entries = entries;
            }
        }

        private final IdentityHashMap<ErofsInode, ErofsInode> parents = new IdentityHashMap<>();

        private Placed visit(ErofsInode inode, ErofsInode parent) {
            Placed known = placed.get(inode);
            if (known != null) {
                return known;
            }
            Placed fresh = new Placed(inode, inodes.size() + 1);
            fresh.xattrs = xattrArea(inode.xattrs());
            placed.put(inode, fresh);
            inodes.add(fresh);
            if (inode.isDirectory()) {
                parents.put(inode, parent);
            }
            return fresh;
        }

        /** Gives each inode its offset: an inode, its xattrs and its inline tail never cross a block boundary. */
        void place() {
            long offset = 0;
            for (Placed inode : inodes) {
                inode.payloadSize = payloadSize(inode);
                int tail = (int) (inode.payloadSize % BLOCK_SIZE);
                int fixed = INODE_SIZE + inode.xattrs.length;
                inode.inline = tail > 0 && fixed + tail <= BLOCK_SIZE;
                int size = fixed + (inode.inline ? tail : 0);
                if (offset % BLOCK_SIZE + size > BLOCK_SIZE) {
                    offset = blocks(offset) * BLOCK_SIZE;
                }
                inode.offset = offset;
                offset = (offset + size + SLOT - 1) / SLOT * SLOT;
            }
            metaBytes = offset;
            rootNid = inodes.getFirst().nid();
            if (rootNid > 0xffff) {
                throw new IllegalStateException("root nid does not fit the superblock");
            }
        }

        private static long payloadSize(Placed inode) {
            return switch (inode.inode.type()) {
                case SYMLINK -> inode.inode.target.length;
                case DIRECTORY -> folderSize(inode.entries);
                default -> 0;
            };
        }

        /** A folder's bytes: blocks of entries then names, no name split across blocks, the last block cut at its end. */
        private static long folderSize(List<Entry> entries) {
            long full = 0;
            int used = 0;
            for (Entry entry : entries) {
                int need = DIRENT_SIZE + entry.name().length;
                if (used + need > BLOCK_SIZE) {
                    full++;
                    used = 0;
                }
                used += need;
            }
            return full * BLOCK_SIZE + used;
        }

        /** The bytes a folder or symlink holds; empty for other types. */
        byte[] payload(Placed inode) {
            return switch (inode.inode.type()) {
                case SYMLINK -> inode.inode.target;
                case DIRECTORY -> folder(inode);
                default -> new byte[0];
            };
        }

        private byte[] folder(Placed dir) {
            byte[] bytes = new byte[(int) dir.payloadSize];
            ByteBuffer out = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            List<Entry> block = new ArrayList<>();
            int used = 0;
            for (Entry entry : dir.entries) {
                int need = DIRENT_SIZE + entry.name().length;
                if (used + need > BLOCK_SIZE) {
                    writeBlock(out, block, dir.inode);
                    out.position((int) blocks(out.position()) * BLOCK_SIZE);
                    block.clear();
                    used = 0;
                }
                block.add(entry);
                used += need;
            }
            writeBlock(out, block, dir.inode);
            return bytes;
        }

        private void writeBlock(ByteBuffer out, List<Entry> block, ErofsInode dir) {
            int start = out.position();
            int nameOffset = block.size() * DIRENT_SIZE;
            for (Entry entry : block) {
                ErofsInode inode = entry.inode() == null ? parents.get(dir) : entry.inode();
                out.putLong(placed.get(inode).nid());
                out.putShort((short) nameOffset);
                out.put((byte) inode.type().direntType);
                out.put((byte) 0);
                nameOffset += entry.name().length;
            }
            for (Entry entry : block) {
                out.put(entry.name());
            }
            if (out.position() - start > BLOCK_SIZE) {
                throw new IllegalStateException("folder block overflow");
            }
        }

        /** The ibody xattr header (no shared xattrs) and each entry, 4-byte aligned; empty when there are none. */
        private static byte[] xattrArea(Map<String, byte[]> xattrs) {
            if (xattrs.isEmpty()) {
                return new byte[0];
            }
            int size = XATTR_HEADER;
            for (Map.Entry<String, byte[]> xattr : xattrs.entrySet()) {
                size += entrySize(xattr.getKey(), xattr.getValue());
            }
            byte[] bytes = new byte[size];
            ByteBuffer area = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            area.position(XATTR_HEADER);
            for (Map.Entry<String, byte[]> xattr : xattrs.entrySet()) {
                Map.Entry<String, Integer> prefix = prefixOf(xattr.getKey());
                byte[] suffix =
                        xattr.getKey().substring(prefix.getKey().length()).getBytes(StandardCharsets.UTF_8);
                int start = area.position();
                area.put((byte) suffix.length);
                area.put(prefix.getValue().byteValue());
                area.putShort((short) xattr.getValue().length);
                area.put(suffix);
                area.put(xattr.getValue());
                area.position(start + entrySize(xattr.getKey(), xattr.getValue()));
            }
            return bytes;
        }

        private static int entrySize(String name, byte[] value) {
            int suffix = name.substring(prefixOf(name).getKey().length()).getBytes(StandardCharsets.UTF_8).length;
            return (4 + suffix + value.length + 3) / 4 * 4;
        }
    }
}
