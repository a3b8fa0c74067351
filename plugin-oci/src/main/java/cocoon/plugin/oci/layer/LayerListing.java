package cocoon.plugin.oci.layer;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * What one EROFS disk holds, path by path (relative, {@code /}-separated), without its file contents: enough
 * to look a path up through the image's stack of disks as the guest's overlayfs will, at pull time, long
 * after the unpacked folder is gone. Stored gzip'd beside the disk; a Debian root of ~10,000 entries takes
 * about 100 KB.
 */
public final class LayerListing {

    /** What sits at a path, as overlayfs sees it. */
    public enum Kind {
        FOLDER('d'),
        /** A folder that hides the lower disks' folder at the same path. */
        OPAQUE_FOLDER('o'),
        /** A regular file someone may execute. */
        EXECUTABLE('x'),
        /** Any other regular file, device node, FIFO or socket. */
        OTHER('f'),
        SYMLINK('l'),
        /** A 0/0 character device: the path is deleted from the lower disks. */
        WHITEOUT('w');

        /** How the stored listing spells it. */
        private final char code;

        Kind(char code) {
            this.code = code;
        }

        static Kind of(int code) throws IOException {
            for (Kind kind : values()) {
                if (kind.code == code) {
                    return kind;
                }
            }
            throw new IOException("unknown entry kind '" + (char) code + "'");
        }
    }

    /**
     * One path's entry.
     *
     * @param target a symlink's target as stored, else null
     */
    public record Entry(Kind kind, String target) {
        boolean isFolder() {
            return kind == Kind.FOLDER || kind == Kind.OPAQUE_FOLDER;
        }
    }

    private static final int FORMAT = 1;
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final int TYPE_BITS = 0170000;
    private static final int REGULAR = 0100000;
    private static final int CHARACTER_DEVICE = 0020000;

    private final Map<String, Entry> entries;

    public LayerListing(Map<String, Entry> entries) {
        this.entries = Map.copyOf(entries);
    }

    /** The entry at {@code path}, or null when this disk has nothing there. */
    public Entry get(String path) {
        return entries.get(path);
    }

    public int size() {
        return entries.size();
    }

    /** Walks an unpacked tree; symlinks are listed, never followed. */
    public static LayerListing of(UnpackedTree tree) throws IOException {
        Path root = tree.root();
        Map<String, Entry> entries = new HashMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(root)) {
                    entries.put(
                            relative(root, dir),
                            new Entry(tree.isOpaque(dir) ? Kind.OPAQUE_FOLDER : Kind.FOLDER, null));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                entries.put(relative(root, file), entryOf(file, attrs));
                return FileVisitResult.CONTINUE;
            }
        });
        return new LayerListing(entries);
    }

    private static Entry entryOf(Path file, BasicFileAttributes attrs) throws IOException {
        if (attrs.isSymbolicLink()) {
            return new Entry(Kind.SYMLINK, Files.readSymbolicLink(file).toString());
        }
        Map<String, Object> unix = Files.readAttributes(file, "unix:mode,rdev", NOFOLLOW);
        int mode = (Integer) unix.get("mode");
        if ((mode & TYPE_BITS) == CHARACTER_DEVICE && (Long) unix.get("rdev") == 0) {
            return new Entry(Kind.WHITEOUT, null);
        }
        if ((mode & TYPE_BITS) == REGULAR && (mode & 0111) != 0) {
            return new Entry(Kind.EXECUTABLE, null);
        }
        return new Entry(Kind.OTHER, null);
    }

    private static String relative(Path root, Path path) {
        return root.relativize(path).toString();
    }

    public void write(Path file) throws IOException {
        try (DataOutputStream out =
                new DataOutputStream(new BufferedOutputStream(new GZIPOutputStream(Files.newOutputStream(file))))) {
            out.writeInt(FORMAT);
            for (Map.Entry<String, Entry> item : entries.entrySet()) {
                out.writeByte(item.getValue().kind().code);
                out.writeUTF(item.getKey());
                if (item.getValue().kind() == Kind.SYMLINK) {
                    out.writeUTF(item.getValue().target());
                }
            }
        }
    }

    public static LayerListing read(Path file) throws IOException {
        Map<String, Entry> entries = new HashMap<>();
        try (DataInputStream in =
                new DataInputStream(new BufferedInputStream(new GZIPInputStream(Files.newInputStream(file))))) {
            int format = in.readInt();
            if (format != FORMAT) {
                throw new IOException("unknown listing format " + format + " in " + file);
            }
            while (true) {
                Kind kind;
                try {
                    kind = Kind.of(in.readUnsignedByte());
                } catch (EOFException end) {
                    break;
                }
                String path = in.readUTF();
                entries.put(path, new Entry(kind, kind == Kind.SYMLINK ? in.readUTF() : null));
            }
        }
        return new LayerListing(entries);
    }
}
