package cocoon.plugin.oci.layer.erofs;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One file of an EROFS image being built, held in memory until the image's metadata is written: its type,
 * owner, mode, mtime and xattrs, and what it holds (a regular file's blocks, already in the image; a symlink's
 * target; a device's numbers; a folder's entries). Hard links are one inode under several names.
 */
public final class ErofsInode {

    /** The file types EROFS stores, with their {@code S_IF*} mode bits and directory-entry type. */
    public enum Type {
        DIRECTORY(0040000, 2),
        REGULAR(0100000, 1),
        CHARACTER_DEVICE(0020000, 3),
        BLOCK_DEVICE(0060000, 4),
        FIFO(0010000, 5),
        SYMLINK(0120000, 7);

        final int modeBits;
        final int direntType;

        Type(int modeBits, int direntType) {
            this.modeBits = modeBits;
            this.direntType = direntType;
        }
    }

    private final Type type;
    private int permissions;
    private long uid;
    private long gid;
    private long mtimeSeconds;
    private int mtimeNanos;
    private final Map<String, byte[]> xattrs = new LinkedHashMap<>();

    /** A regular file's first block in the image and its length. */
    final long startBlock;

    final long size;
    /** A symlink's target. */
    final byte[] target;

    final int major;
    final int minor;
    private final Map<String, ErofsInode> children;

    private ErofsInode(Type type, int permissions, long startBlock, long size, byte[] target, int major, int minor) {
        this.type = type;
        this.permissions = permissions;
        this.startBlock = startBlock;
        this.size = size;
        this.target = target;
        this.major = major;
        this.minor = minor;
        this.children = type == Type.DIRECTORY ? new HashMap<>() : Map.of();
    }

    public static ErofsInode directory(int permissions) {
        return new ErofsInode(Type.DIRECTORY, permissions, 0, 0, null, 0, 0);
    }

    static ErofsInode regularFile(long startBlock, long size) {
        return new ErofsInode(Type.REGULAR, 0644, startBlock, size, null, 0, 0);
    }

    public static ErofsInode symlink(String target) {
        return new ErofsInode(Type.SYMLINK, 0777, 0, 0, target.getBytes(StandardCharsets.UTF_8), 0, 0);
    }

    /** A character or block device with its numbers, or a FIFO (numbers 0). */
    public static ErofsInode special(Type type, int permissions, int major, int minor) {
        if (type == Type.DIRECTORY || type == Type.REGULAR || type == Type.SYMLINK) {
            throw new IllegalArgumentException("not a special file: " + type);
        }
        return new ErofsInode(type, permissions, 0, 0, null, major, minor);
    }

    public Type type() {
        return type;
    }

    public boolean isDirectory() {
        return type == Type.DIRECTORY;
    }

    public int permissions() {
        return permissions;
    }

    public long length() {
        return type == Type.REGULAR ? size : 0;
    }

    /** A symlink's target as stored. */
    public String symlinkTarget() {
        return new String(target, StandardCharsets.UTF_8);
    }

    public int major() {
        return major;
    }

    public int minor() {
        return minor;
    }

    public void permissions(int permissions) {
        this.permissions = permissions & 07777;
    }

    public void owner(long uid, long gid) {
        this.uid = uid;
        this.gid = gid;
    }

    public void mtime(long seconds, int nanos) {
        this.mtimeSeconds = seconds;
        this.mtimeNanos = nanos;
    }

    public void xattr(String name, byte[] value) {
        xattrs.put(name, value.clone());
    }

    /** A folder's entries by name; empty and unmodifiable for other types. */
    public Map<String, ErofsInode> children() {
        return children;
    }

    long uid() {
        return uid;
    }

    long gid() {
        return gid;
    }

    long mtimeSeconds() {
        return mtimeSeconds;
    }

    int mtimeNanos() {
        return mtimeNanos;
    }

    Map<String, byte[]> xattrs() {
        return xattrs;
    }
}
