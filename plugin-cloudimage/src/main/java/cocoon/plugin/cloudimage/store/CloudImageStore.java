package cocoon.plugin.cloudimage.store;

import cocoon.api.CocoonException;
import cocoon.api.PluginContext;
import cocoon.api.StoreLock;
import cocoon.plugin.cloudimage.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code <root>/images/cloudimg}: one qcow2 base per download digest and the index that maps URLs
 * to them. A blob enters only through {@link #commitBlob}; the index changes only through
 * {@link #update}, under the plugin's own {@code index} lock.
 */
public final class CloudImageStore {

    /** Held exclusively around each read-modify-write of {@code index.json}. */
    private static final String INDEX_LOCK = "index";

    private final PluginContext context;
    private final Path dir;

    public CloudImageStore(PluginContext context) {
        this.context = context;
        this.dir = context.rootDir().resolve("images").resolve("cloudimg");
    }

    /** Held by every pull and delete for its whole duration; GC takes the store's lock exclusively. */
    public StoreLock.Held shareStore() {
        return context.locks().store().shared();
    }

    public Path blobsDir() {
        return dir.resolve("blobs");
    }

    public Path blob(String hex) {
        return blobsDir().resolve(hex + ".qcow2");
    }

    public CloudImageIndex read() {
        return context.json().read(indexFile(), CloudImageIndex.class).orElse(CloudImageIndex.empty());
    }

    public Optional<IndexEntry> entry(String url) {
        return Optional.ofNullable(read().images().get(url));
    }

    /** Reads, changes and writes the index atomically with respect to other pulls and deletes. */
    @SuppressWarnings("try") // the index lock is held for its scope, not used in it
    public CloudImageIndex update(UnaryOperator<CloudImageIndex> change) {
        try (StoreLock.Held ignored = context.locks().own(INDEX_LOCK).exclusive()) {
            CloudImageIndex next = change.apply(read());
            context.json().write(indexFile(), next);
            return next;
        }
    }

    /**
     * Makes {@code finished} the blob for {@code hex}: fsync, read-only, then a hard link into place,
     * which never replaces a blob another pull committed first (a base under live overlays must not
     * change). The temp file is gone afterwards either way.
     */
    public Path commitBlob(Path finished, String hex) {
        Path target = blob(hex);
        try {
            Files.createDirectories(blobsDir());
            try (FileChannel channel = FileChannel.open(finished, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.setPosixFilePermissions(finished, PosixFilePermissions.fromString("r--------"));
            try {
                Files.createLink(target, finished);
                try (FileChannel folder = FileChannel.open(blobsDir(), StandardOpenOption.READ)) {
                    folder.force(true);
                }
            } catch (FileAlreadyExistsException alreadyStored) {
                // Another URL served the same bytes: its base is this one.
            }
            Files.delete(finished);
            return target;
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot store " + target + ": " + e.getMessage(),
                    "check free space and permissions under the root dir");
        }
    }

    /** Every blob file present, whether or not the index still names it. */
    public Set<Path> blobFiles() {
        if (!Files.isDirectory(blobsDir())) {
            return Set.of();
        }
        try (Stream<Path> files = Files.list(blobsDir())) {
            return files.filter(Files::isRegularFile).collect(Collectors.toUnmodifiableSet());
        } catch (IOException e) {
            throw StorageException.of(
                    "cannot list the cloud image bases in", blobsDir(), e, "check the permissions of the root dir");
        }
    }

    private Path indexFile() {
        return dir.resolve("index.json");
    }
}
