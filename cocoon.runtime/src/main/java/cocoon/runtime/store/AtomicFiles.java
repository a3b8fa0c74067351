package cocoon.runtime.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

/** Atomic replacement of small files: write a temp file beside the target, fsync, rename, fsync the folder. */
public final class AtomicFiles {

    private AtomicFiles() {}

    public static void write(Path target, byte[] content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(
                dir,
                "." + target.getFileName(),
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel channel =
                    FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(dir);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Makes every file and folder under {@code root} durable, for a record written after them that names them: without
     * it, a power loss could keep the record and lose the data of files it lists (a kill alone cannot).
     */
    public static void syncTree(Path root) throws IOException {
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(root)) {
            entries = walk.toList();
        }
        // Deepest first: a folder's entries are synced before the folder that names them.
        for (Path entry : entries.reversed()) {
            if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)
                    || Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                force(entry);
            }
        }
    }

    /**
     * The temp files of writes into {@code dir} that were killed before their rename ({@code .NAME<digits>.tmp}); only
     * garbage while nobody may write there, e.g. under the store's exclusive lock.
     */
    public static List<Path> leftovers(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(entry -> {
                        String name = entry.getFileName().toString();
                        return name.startsWith(".") && name.endsWith(".tmp");
                    })
                    .toList();
        }
    }

    /** Makes a rename durable: the folder entry itself must reach the disk. */
    public static void syncDirectory(Path dir) throws IOException {
        force(dir);
    }

    /** fsync through a read-only descriptor, which Linux allows for files and folders alike. */
    private static void force(Path entry) throws IOException {
        try (FileChannel channel = FileChannel.open(entry, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
