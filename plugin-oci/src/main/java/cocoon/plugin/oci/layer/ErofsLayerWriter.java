package cocoon.plugin.oci.layer;

import cocoon.plugin.oci.layer.erofs.ErofsImageWriter;
import cocoon.plugin.oci.layer.erofs.ErofsInode;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Writes one layer tar straight into an uncompressed EROFS image, in one pass: file contents go to the image as
 * the tar streams them, and the tree the guest must see is kept in memory until the tar ends. What the guest sees
 * is what {@link LayerUnpacker} plus {@code mkfs.erofs} give for the same tar: OCI whiteouts become overlayfs ones
 * ({@code .wh.NAME} a 0/0 character device {@code NAME}, {@code .wh..wh..opq} {@code trusted.overlay.opaque=y} on
 * its folder), a later entry replaces an earlier one, and the same names are refused: {@code ..}, absolute names,
 * hard links to what is not an earlier file, writes through a symlink.
 */
public final class ErofsLayerWriter {

    private static final String OPAQUE = ".wh..wh..opq";

    /** What {@code mknod} makes under the usual umask, which the folder path's whiteouts get. */
    private static final int WHITEOUT_PERMISSIONS = 0644;

    private final LayerLimits limits;
    private final Consumer<String> notices;

    public ErofsLayerWriter(LayerLimits limits, Consumer<String> notices) {
        this.limits = limits;
        this.notices = notices;
    }

    /**
     * Reads {@code tar} to its end into {@code image}, whose metadata the caller then writes with
     * {@link WrittenLayer#finish()}; {@code work} is the folder whose disk must keep free space, {@code layer} names
     * the layer in errors.
     */
    public WrittenLayer write(InputStream tar, ErofsImageWriter image, Path work, String layer) throws IOException {
        Run run = new Run(image, work, layer);
        try (TarArchiveInputStream entries = new TarArchiveInputStream(tar)) {
            TarArchiveEntry entry;
            while ((entry = entries.getNextEntry()) != null) {
                run.budget.countEntry();
                run.extract(entry, entries);
            }
        }
        return new WrittenLayer(image, run.root, run.boot, run.opaque, run.buildTime);
    }

    private final class Run {
        final ErofsImageWriter image;
        final String layer;
        final long buildTime = Instant.now().getEpochSecond();
        final ErofsInode root = folder(0755);
        final BootCandidates boot = new BootCandidates();
        final Set<ErofsInode> opaque = Collections.newSetFromMap(new IdentityHashMap<>());
        final LayerBudget budget;

        Run(ErofsImageWriter image, Path work, String layer) {
            this.image = image;
            this.layer = layer;
            this.budget = new LayerBudget(limits, work, layer);
        }

        void extract(TarArchiveEntry entry, InputStream content) throws IOException {
            String name = entry.getName();
            List<String> parts = TarNames.components(layer, name, name);
            if (parts.isEmpty()) {
                if (entry.isDirectory()) {
                    applyAttributes(root, entry);
                }
                return;
            }
            String base = parts.getLast();
            ErofsInode parent = parentOf(parts, name);
            String relative = String.join("/", parts);
            if (base.equals(OPAQUE)) {
                if (opaque.add(parent)) {
                    parent.xattr("trusted.overlay.opaque", "y".getBytes(StandardCharsets.US_ASCII));
                }
                return;
            }
            if (base.startsWith(TarNames.WHITEOUT)) {
                String hidden = base.substring(TarNames.WHITEOUT.length());
                TarNames.checkComponent(layer, hidden, name);
                String hiddenPath = relative.substring(0, relative.length() - base.length()) + hidden;
                clear(parent, hidden, hiddenPath);
                ErofsInode whiteout = ErofsInode.special(ErofsInode.Type.CHARACTER_DEVICE, WHITEOUT_PERMISSIONS, 0, 0);
                whiteout.mtime(buildTime, 0);
                parent.children().put(hidden, whiteout);
                boot.seen(hiddenPath, false);
                return;
            }
            ErofsInode existing = parent.children().get(base);
            if (entry.isDirectory()) {
                if (existing == null || !existing.isDirectory()) {
                    clear(parent, base, relative);
                    existing = folder(0755);
                    parent.children().put(base, existing);
                }
                applyAttributes(existing, entry);
                return;
            }
            clear(parent, base, relative);
            ErofsInode inode;
            if (entry.isSymbolicLink()) {
                inode = ErofsInode.symlink(entry.getLinkName());
            } else if (entry.isLink()) {
                ErofsInode linked = existingInside(entry.getLinkName(), name);
                parent.children().put(base, linked);
                boot.seen(relative, linked.type() == ErofsInode.Type.REGULAR);
                return;
            } else if (entry.isCharacterDevice() || entry.isBlockDevice()) {
                inode = ErofsInode.special(
                        entry.isCharacterDevice() ? ErofsInode.Type.CHARACTER_DEVICE : ErofsInode.Type.BLOCK_DEVICE,
                        0,
                        entry.getDevMajor(),
                        entry.getDevMinor());
            } else if (entry.isFIFO()) {
                inode = ErofsInode.special(ErofsInode.Type.FIFO, 0, 0, 0);
            } else if (entry.isFile() && !entry.isSparse()) {
                inode = image.writeFile(new CountedContent(content, name));
            } else {
                throw new UnsafeLayerException(
                        layer,
                        name,
                        "has a tar entry type Cocoon does not unpack (type '" + (char) entry.getLinkFlag() + "')");
            }
            applyAttributes(inode, entry);
            parent.children().put(base, inode);
            boot.seen(relative, inode.type() == ErofsInode.Type.REGULAR);
        }

        ErofsInode folder(int permissions) {
            ErofsInode folder = ErofsInode.directory(permissions);
            folder.mtime(buildTime, 0);
            return folder;
        }

        void applyAttributes(ErofsInode inode, TarArchiveEntry entry) {
            inode.owner(entry.getLongUserId(), entry.getLongGroupId());
            if (inode.type() != ErofsInode.Type.SYMLINK) {
                inode.permissions(entry.getMode());
            }
            FileTime mtime = entry.getLastModifiedTime();
            if (mtime != null) {
                Instant at = mtime.toInstant();
                inode.mtime(at.getEpochSecond(), at.getNano());
            }
            entry.getExtraPaxHeaders().forEach((key, value) -> {
                if (key.startsWith("LIBARCHIVE.xattr.")) {
                    String xattr =
                            URLDecoder.decode(key.substring("LIBARCHIVE.xattr.".length()), StandardCharsets.UTF_8);
                    setXattr(inode, entry, xattr, Base64.getDecoder().decode(value));
                } else if (key.startsWith("SCHILY.xattr.")) {
                    String xattr = key.substring("SCHILY.xattr.".length());
                    if (value.indexOf('\uFFFD') >= 0) {
                        // The tar reader decodes PAX values as UTF-8, so binary values arrive damaged.
                        notices.accept("layer " + layer + ": skipped binary xattr " + xattr + " on " + entry.getName());
                    } else {
                        setXattr(inode, entry, xattr, value.getBytes(StandardCharsets.UTF_8));
                    }
                }
            });
        }

        void setXattr(ErofsInode inode, TarArchiveEntry entry, String xattr, byte[] value) {
            if (ErofsImageWriter.storable(xattr, value)) {
                inode.xattr(xattr, value);
            } else {
                notices.accept("layer " + layer + ": skipped xattr " + xattr + " on " + entry.getName()
                        + ": EROFS stores only user., trusted., security. and ACL names, values under 64 KiB");
            }
        }

        /** The folder an entry goes in, created as needed; refuses to pass through a symlink or a non-folder. */
        ErofsInode parentOf(List<String> parts, String name) {
            ErofsInode dir = root;
            List<String> at = new ArrayList<>();
            for (String part : parts.subList(0, parts.size() - 1)) {
                at.add(part);
                ErofsInode next = dir.children().get(part);
                if (next == null) {
                    next = folder(0755);
                    dir.children().put(part, next);
                } else if (next.type() == ErofsInode.Type.SYMLINK) {
                    throw new UnsafeLayerException(
                            layer, name, "would be written through the symlink " + String.join("/", at));
                } else if (!next.isDirectory()) {
                    throw new UnsafeLayerException(
                            layer, name, "has a parent that is not a folder: " + String.join("/", at));
                }
                dir = next;
            }
            return dir;
        }

        /** A hard link's target: an existing non-folder inside the layer, reached without symlinks. */
        ErofsInode existingInside(String linkName, String name) {
            List<String> parts = TarNames.components(layer, linkName, name);
            if (parts.isEmpty()) {
                throw new UnsafeLayerException(layer, name, "is a hard link to the layer root");
            }
            ErofsInode at = root;
            for (int i = 0; i < parts.size(); i++) {
                at = at.children().get(parts.get(i));
                if (at == null) {
                    break;
                }
                if (i < parts.size() - 1 && at.type() == ErofsInode.Type.SYMLINK) {
                    throw new UnsafeLayerException(
                            layer,
                            name,
                            "is a hard link through the symlink " + String.join("/", parts.subList(0, i + 1)));
                }
            }
            if (at == null || at.isDirectory()) {
                throw new UnsafeLayerException(
                        layer,
                        name,
                        "is a hard link to \"" + linkName + "\", which is not an earlier file of the layer");
            }
            return at;
        }

        /** Removes whatever an entry replaces (tar semantics: the later entry wins); its blocks stay unused. */
        void clear(ErofsInode parent, String name, String relative) {
            if (parent.children().remove(name) != null) {
                boot.gone(relative);
            }
        }

        /** One entry's content, counted against the layer's size limit and the disk's free space as it is read. */
        private final class CountedContent extends FilterInputStream {
            private final String name;

            CountedContent(InputStream content, String name) {
                super(content);
                this.name = name;
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int read = super.read(buffer, offset, length);
                if (read > 0) {
                    budget.countFileBytes(read, name);
                }
                return read;
            }

            @Override
            public void close() {
                // The tar stream goes on to the next entry.
            }
        }
    }
}
