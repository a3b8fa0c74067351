package cocoon.plugin.cloudimage.download;

import cocoon.api.ConflictException;
import cocoon.api.JsonFiles;
import cocoon.plugin.cloudimage.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The in-flight download of one URL: {@code <root>/tmp/cloudimg-<sha256(url)>.part}, named from the
 * URL so the next pull of the same URL finds and resumes it, with its validators beside it. Locked
 * while open, so two pulls of one URL never write the same file and GC leaves it alone.
 */
public final class PartFile implements AutoCloseable {

    private final Path path;
    private final Path validatorsPath;
    private final FileChannel channel;
    private final JsonFiles json;

    private PartFile(Path path, FileChannel channel, JsonFiles json) {
        this.path = path;
        this.validatorsPath = path.resolveSibling(path.getFileName() + ".json");
        this.channel = channel;
        this.json = json;
    }

    public static PartFile open(Path tmpDir, String url, JsonFiles json) {
        Path path = tmpDir.resolve("cloudimg-" + urlHash(url) + ".part");
        try {
            Files.createDirectories(tmpDir);
            FileChannel channel = FileChannel.open(
                    path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new ConflictException(
                        "another pull of " + url + " is in progress", "wait for it to finish, then pull again");
            }
            return new PartFile(path, channel, json);
        } catch (IOException e) {
            throw StorageException.of(
                    "cannot open the download file",
                    path,
                    e,
                    "check permissions and free space under the root dir, then pull again");
        }
    }

    static String urlHash(String url) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path path() {
        return path;
    }

    FileChannel channel() {
        return channel;
    }

    long size() {
        try {
            return channel.size();
        } catch (IOException e) {
            throw StorageException.of("cannot read the size of", path, e, "pull again");
        }
    }

    /** Forgets the bytes so far; the next body starts at offset 0. */
    public void restart() {
        try {
            channel.truncate(0);
            Files.deleteIfExists(validatorsPath);
        } catch (IOException e) {
            throw StorageException.of(
                    "cannot start the download over in", path, e, "remove the file by hand, then pull again");
        }
    }

    Optional<PartialValidators> validators(String url) {
        return json.read(validatorsPath, PartialValidators.class).filter(v -> url.equals(v.url()));
    }

    void saveValidators(PartialValidators validators) {
        json.write(validatorsPath, validators);
    }

    /** Deletes the partial bytes and their validators: the download was used or is worthless. */
    public void discard() {
        try {
            Files.deleteIfExists(path);
            Files.deleteIfExists(validatorsPath);
        } catch (IOException e) {
            throw StorageException.of("cannot remove the download", path, e, "remove it by hand or run cocoon gc");
        }
    }

    /** Releases the lock; an empty part holds nothing worth resuming and goes. */
    @Override
    public void close() {
        try {
            if (channel.isOpen() && channel.size() == 0) {
                discard();
            }
            channel.close();
        } catch (IOException e) {
            throw StorageException.of("cannot close the download", path, e, "run cocoon gc to clear leftovers");
        }
    }
}
