package cocoon.plugin.oci.layer;

import cocoon.plugin.oci.layer.LayerListing.Entry;
import cocoon.plugin.oci.layer.LayerListing.Kind;
import cocoon.plugin.oci.layer.erofs.ErofsImageWriter;
import cocoon.plugin.oci.layer.erofs.ErofsInode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A layer whose file contents {@link ErofsLayerWriter} wrote into an EROFS image, with the tree that names them:
 * its listing and boot files are read from the tree, and a file's bytes from its range of the image.
 */
final class WrittenLayer implements LayerFiles {

    private final ErofsImageWriter image;
    private final ErofsInode root;
    private final BootCandidates boot;
    private final Set<ErofsInode> opaque;
    private final long buildTime;

    WrittenLayer(ErofsImageWriter image, ErofsInode root, BootCandidates boot, Set<ErofsInode> opaque, long buildTime) {
        this.image = image;
        this.root = root;
        this.boot = boot;
        this.opaque = opaque;
        this.buildTime = buildTime;
    }

    BootCandidates boot() {
        return boot;
    }

    /** Writes the image's metadata: the image is complete after it. */
    void finish() throws IOException {
        image.finish(root, buildTime);
    }

    LayerListing listing() {
        Map<String, Entry> entries = new HashMap<>();
        List<Map.Entry<String, ErofsInode>> pending = new ArrayList<>();
        pending.add(Map.entry("", root));
        while (!pending.isEmpty()) {
            Map.Entry<String, ErofsInode> folder = pending.removeLast();
            for (Map.Entry<String, ErofsInode> child :
                    folder.getValue().children().entrySet()) {
                String path = folder.getKey().isEmpty() ? child.getKey() : folder.getKey() + "/" + child.getKey();
                ErofsInode inode = child.getValue();
                entries.put(path, entryOf(inode));
                if (inode.isDirectory()) {
                    pending.add(Map.entry(path, inode));
                }
            }
        }
        return new LayerListing(entries);
    }

    private Entry entryOf(ErofsInode inode) {
        return switch (inode.type()) {
            case DIRECTORY -> new Entry(opaque.contains(inode) ? Kind.OPAQUE_FOLDER : Kind.FOLDER, null);
            case SYMLINK -> new Entry(Kind.SYMLINK, inode.symlinkTarget());
            case CHARACTER_DEVICE ->
                new Entry(inode.major() == 0 && inode.minor() == 0 ? Kind.WHITEOUT : Kind.OTHER, null);
            case REGULAR -> new Entry((inode.permissions() & 0111) != 0 ? Kind.EXECUTABLE : Kind.OTHER, null);
            default -> new Entry(Kind.OTHER, null);
        };
    }

    /** The inode at {@code path}, reached without following symlinks, or null. */
    private ErofsInode lookup(String path) {
        ErofsInode at = root;
        for (String part : path.split("/", -1)) {
            if (part.isEmpty()) {
                continue;
            }
            at = at.children().get(part);
            if (at == null) {
                return null;
            }
        }
        return at;
    }

    @Override
    public boolean isFolder(String path) {
        ErofsInode inode = lookup(path);
        return inode != null && inode.isDirectory();
    }

    @Override
    public List<String> names(String folder) {
        return List.copyOf(lookup(folder).children().keySet());
    }

    @Override
    public boolean isRegularFile(String path) {
        ErofsInode inode = lookup(path);
        return inode != null && inode.type() == ErofsInode.Type.REGULAR;
    }

    @Override
    public byte[] read(String path) throws IOException {
        return image.read(regular(path));
    }

    @Override
    public void copy(String path, Path target) throws IOException {
        image.copyOut(regular(path), target);
    }

    private ErofsInode regular(String path) throws IOException {
        if (!isRegularFile(path)) {
            throw new IOException(path + " is not a regular file of the layer");
        }
        return lookup(path);
    }
}
