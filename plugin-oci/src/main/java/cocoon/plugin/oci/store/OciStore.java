package cocoon.plugin.oci.store;

import cocoon.api.CocoonException;
import cocoon.api.JsonFiles;
import cocoon.api.NotFoundException;
import cocoon.api.StoreLock;
import cocoon.plugin.oci.layer.ConvertedLayer;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The OCI store under {@code <root>/images/oci}: one EROFS image per disk (a layer digest, or the id of
 * layers merged into one disk), the boot files and the listing of each, and the index. A disk's EROFS
 * image appears only through {@link #commit}, after its boot files and listing, so its presence means
 * the disk is complete.
 */
public final class OciStore {

    /** The plugin's own lock held exclusively around each read-modify-write of the index. */
    public static final String INDEX_LOCK = "index";

    private final Path dir;
    private final JsonFiles json;
    private final StoreLock indexLock;

    public OciStore(Path rootDir, JsonFiles json, StoreLock indexLock) {
        this.dir = rootDir.resolve("images").resolve("oci");
        this.json = json;
        this.indexLock = indexLock;
    }

    public Path dir() {
        return dir;
    }

    public Path erofs(String hex) {
        return dir.resolve("blobs").resolve("sha256").resolve(hex + ".erofs");
    }

    /** What the disk holds, path by path ({@code LayerListing}); absent for disks stored by older releases. */
    public Path listing(String hex) {
        return dir.resolve("listings").resolve(hex);
    }

    public Path bootDir(String hex) {
        return dir.resolve("boot").resolve(hex);
    }

    /** The modules Cocoon's initrd loads, from the disk's module tree, as a cpio archive to append to that initrd. */
    public Path moduleArchive(String hex) {
        return bootDir(hex).resolve("modules.cpio.gz");
    }

    /** Cocoon's initrd with the modules of the disk's module tree, made at pull for a kernel image without an initrd. */
    public Path cocoonInitrd(String hex) {
        return bootDir(hex).resolve("cocoon-initrd");
    }

    private Path kernelModulesFile(String hex) {
        return bootDir(hex).resolve("modules.json");
    }

    /** What the disk's kernel module tree offers the guest hook; empty when it has none. */
    public Optional<KernelModules> kernelModules(String hex) {
        return json.read(kernelModulesFile(hex), KernelModules.class);
    }

    /**
     * Whether the disk is complete: its EROFS image and its listing. The collector may take a listing whose disk a
     * VM still keeps (the VM names only the image), and a disk stored by an older release has none: both are
     * converted again, so every indexed disk has its listing.
     */
    public boolean hasLayer(String hex) {
        return Files.isRegularFile(erofs(hex)) && Files.isRegularFile(listing(hex));
    }

    /** Layer images are never written again, and no other user may read what a VM boots from. */
    private static final int OWNER_READ_ONLY = 0400;

    private static final int OWNER_READ_WRITE = 0600;

    /**
     * Moves a converted layer into place: boot files first, then the EROFS image by atomic rename,
     * read-only, with the file and its folder synced so a crash leaves the old state or the new one.
     */
    public void commit(String hex, ConvertedLayer layer) {
        try {
            Path target = erofs(hex);
            Files.createDirectories(target.getParent());
            // Two pulls may convert the same layer at once: each file is replaced by an atomic rename, never removed
            // first, so the other pull always finds the boot files its conversion made.
            Path boot = bootDir(hex);
            if (layer.kernel() != null || layer.initrd() != null || layer.modules() != null) {
                Files.createDirectories(boot);
            }
            replaceBootFile(layer.kernel(), boot.resolve("vmlinuz"));
            replaceBootFile(layer.initrd(), boot.resolve("initrd"));
            replaceBootFile(layer.moduleArchive(), moduleArchive(hex));
            if (layer.modules() != null) {
                json.write(kernelModulesFile(hex), layer.modules());
            } else {
                Files.deleteIfExists(kernelModulesFile(hex));
            }
            Files.createDirectories(listing(hex).getParent());
            moveDurably(privateFile(layer.listing()), listing(hex));
            Files.setAttribute(layer.erofs(), "unix:mode", OWNER_READ_ONLY);
            moveDurably(layer.erofs(), target);
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot store layer " + hex + " under " + dir + ": " + e.getMessage(),
                    "check free space and permissions under the root dir");
        }
    }

    /** Moves a boot file into place, or removes one a conversion no longer finds. */
    private static void replaceBootFile(Path converted, Path target) throws IOException {
        if (converted == null) {
            Files.deleteIfExists(target);
        } else {
            moveDurably(privateFile(converted), target);
        }
    }

    /** Kernel and initrd come with the modes the layer gave them (often 0644): narrow them like every other store file. */
    private static Path privateFile(Path file) throws IOException {
        if (file != null) {
            Files.setAttribute(file, "unix:mode", OWNER_READ_WRITE);
        }
        return file;
    }

    private static void moveDurably(Path source, Path target) throws IOException {
        if (source == null) {
            return;
        }
        try (FileChannel channel = FileChannel.open(source, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel folder = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            folder.force(true);
        }
    }

    public IndexFile readIndex() {
        return json.read(dir.resolve("index.json"), IndexFile.class).orElseGet(IndexFile::empty);
    }

    /** Read-modify-write of the index under its exclusive lock. */
    @SuppressWarnings("try") // the index lock is held for the block and released on close; the body never names it
    public IndexFile updateIndex(UnaryOperator<IndexFile> change) {
        try (StoreLock.Held ignored = indexLock.exclusive()) {
            IndexFile updated = change.apply(readIndex());
            json.write(dir.resolve("index.json"), updated);
            return updated;
        }
    }

    public void put(IndexEntry entry) {
        updateIndex(index -> {
            var images = new TreeMap<>(index.images());
            images.put(entry.reference(), entry);
            return new IndexFile(IndexFile.VERSION, images);
        });
    }

    public void remove(String reference) {
        updateIndex(index -> {
            if (!index.images().containsKey(reference)) {
                throw new NotFoundException(
                        "no OCI image " + reference + " in the store", "cocoon list shows what is there");
            }
            var images = new TreeMap<>(index.images());
            images.remove(reference);
            return new IndexFile(IndexFile.VERSION, images);
        });
    }

    /** Every blob and boot file on disk. */
    public Set<Path> files() {
        Set<Path> files = new HashSet<>();
        collect(dir.resolve("blobs"), Integer.MAX_VALUE, Files::isRegularFile, files);
        collect(dir.resolve("listings"), 1, Files::isRegularFile, files);
        // A layer's boot files go as one folder, so GC leaves no empty folder behind.
        collect(dir.resolve("boot"), 1, Files::isDirectory, files);
        return files;
    }

    private static void collect(Path top, int depth, java.util.function.Predicate<Path> keep, Set<Path> into) {
        if (!Files.isDirectory(top)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(top, depth)) {
            walk.filter(p -> !p.equals(top)).filter(keep).forEach(into::add);
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot list " + top + ": " + e.getMessage(), "check permissions under the root dir");
        }
    }

    /** The files an index entry needs: its disks' EROFS images and listings, and its boot files. */
    public Set<Path> filesOf(IndexEntry entry) {
        Set<Path> files = new HashSet<>();
        entry.diskIds().forEach(hex -> {
            files.add(erofs(hex));
            files.add(listing(hex));
        });
        if (entry.kernel() != null) {
            files.add(dir.resolve(entry.kernel()));
        }
        if (entry.initrd() != null) {
            files.add(dir.resolve(entry.initrd()));
        }
        return files;
    }
}
