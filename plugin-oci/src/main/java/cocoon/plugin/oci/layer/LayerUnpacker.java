package cocoon.plugin.oci.layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks a layer tar into a folder exactly as the guest must see it (modes, owners, links,
 * device nodes, xattrs), turning OCI whiteouts into overlayfs ones: {@code .wh.NAME} becomes a 0/0
 * character device {@code NAME}, {@code .wh..wh..opq} becomes {@code trusted.overlay.opaque=y} on its
 * folder. Several layers applied in order to one folder merge as overlayfs would stack them, and the
 * folder keeps the whiteouts and opaque folders the guest needs against the disks below it: a whiteout
 * also deletes what earlier layers put there, an opaque marker also deletes their content of that folder,
 * and a folder that replaces an earlier non-folder is made opaque. Every path is checked component by
 * component, so no entry can reach outside the folder: not by {@code ..}, an absolute name, a hard link,
 * or a write through a symlink.
 */
public final class LayerUnpacker {

    private static final String OPAQUE = ".wh..wh..opq";
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private final SpecialFiles special;
    private final LayerLimits limits;
    private final Consumer<String> notices;

    public LayerUnpacker(SpecialFiles special, LayerLimits limits, Consumer<String> notices) {
        this.special = special;
        this.limits = limits;
        this.notices = notices;
    }

    /** Applies {@code tar} on top of what {@code tree} holds (nothing, for a first layer); {@code layer} names it in errors. */
    public void unpack(InputStream tar, UnpackedTree tree, String layer) throws IOException {
        Run run = new Run(tree, layer);
        try (TarArchiveInputStream entries = new TarArchiveInputStream(tar)) {
            TarArchiveEntry entry;
            while ((entry = entries.getNextEntry()) != null) {
                run.budget.countEntry();
                run.extract(entry, entries);
            }
        }
        run.finishDirectories();
    }

    /**
     * State of one layer's unpacking: directory attributes to set last (children change a folder's mtime),
     * and what this layer made or passed through, which an opaque marker must keep.
     */
    private final class Run {
        final Path root;
        final String layer;
        final BootCandidates boot;
        final Set<Path> opaque;
        final Map<Path, TarArchiveEntry> directories = new LinkedHashMap<>();
        /** Paths this layer created; everything else in the folder came from earlier layers. */
        final Set<Path> created = new HashSet<>();
        /** Folders of earlier layers that this layer named or wrote inside. */
        final Set<Path> entered = new HashSet<>();

        final LayerBudget budget;

        Run(UnpackedTree tree, String layer) {
            this.root = tree.root();
            this.layer = layer;
            this.budget = new LayerBudget(limits, root, layer);
            this.boot = tree.boot;
            this.opaque = tree.opaque;
        }

        void extract(TarArchiveEntry entry, InputStream content) throws IOException {
            String name = entry.getName();
            List<String> parts = TarNames.components(layer, name, name);
            if (parts.isEmpty()) {
                if (entry.isDirectory()) {
                    directories.put(root, entry);
                }
                return;
            }
            String base = parts.get(parts.size() - 1);
            Path parent = parentOf(parts, name);
            String relative = String.join("/", parts);
            if (base.equals(OPAQUE)) {
                markOpaque(parent);
                return;
            }
            if (base.startsWith(TarNames.WHITEOUT)) {
                String hidden = base.substring(TarNames.WHITEOUT.length());
                TarNames.checkComponent(layer, hidden, name);
                Path target = parent.resolve(hidden);
                clear(target);
                special.mknod(target, 'c', 0, 0);
                created.add(target);
                boot.seen(relative.substring(0, relative.length() - base.length()) + hidden, false);
                return;
            }
            Path target = parent.resolve(base);
            if (entry.isDirectory()) {
                if (Files.isDirectory(target, NOFOLLOW)) {
                    if (!created.contains(target)) {
                        entered.add(target);
                    }
                    directories.put(target, entry);
                    return;
                }
                // What an earlier layer had here (a file, a whiteout) hides the lower disks' folder: so must this one.
                boolean replacesEarlier = Files.exists(target, NOFOLLOW) && !created.contains(target);
                clear(target);
                Files.createDirectory(target);
                created.add(target);
                directories.put(target, entry);
                if (replacesEarlier) {
                    markOpaque(target);
                }
                return;
            }
            clear(target);
            created.add(target);
            boolean regular = false;
            if (entry.isSymbolicLink()) {
                Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
            } else if (entry.isLink()) {
                Path existing = existingInside(entry.getLinkName(), name);
                Files.createLink(target, existing);
                regular = Files.isRegularFile(existing, NOFOLLOW);
                boot.seen(relative, regular);
                return;
            } else if (entry.isCharacterDevice() || entry.isBlockDevice()) {
                special.mknod(target, entry.isCharacterDevice() ? 'c' : 'b', entry.getDevMajor(), entry.getDevMinor());
            } else if (entry.isFIFO()) {
                special.mknod(target, 'p', 0, 0);
            } else if (entry.isFile() && !entry.isSparse()) {
                copy(content, target, name);
                regular = true;
            } else {
                throw new UnsafeLayerException(
                        layer,
                        name,
                        "has a tar entry type Cocoon does not unpack (type '" + (char) entry.getLinkFlag() + "')");
            }
            boot.seen(relative, regular);
            applyAttributes(target, entry, entry.isSymbolicLink());
        }

        void copy(InputStream content, Path target, String name) throws IOException {
            byte[] buffer = new byte[64 * 1024];
            try (OutputStream out =
                    Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                int read;
                while ((read = content.read(buffer)) > 0) {
                    budget.countFileBytes(read, name);
                    out.write(buffer, 0, read);
                }
            }
        }

        /** Hides the lower disks' content of {@code dir}, and removes what earlier layers put in it. */
        void markOpaque(Path dir) throws IOException {
            if (!created.contains(dir)) {
                keepOnlyThisLayer(dir);
            }
            if (opaque.add(dir)) {
                special.setXattr(dir, "trusted.overlay.opaque", "y".getBytes(StandardCharsets.US_ASCII));
            }
        }

        /** Removes from an earlier layer's folder everything this layer did not write, wherever the marker came in the tar. */
        void keepOnlyThisLayer(Path dir) throws IOException {
            List<Path> children;
            try (var list = Files.list(dir)) {
                children = list.toList();
            }
            for (Path child : children) {
                if (created.contains(child)) {
                    continue;
                }
                if (entered.contains(child) && Files.isDirectory(child, NOFOLLOW)) {
                    keepOnlyThisLayer(child);
                } else {
                    clear(child);
                }
            }
        }

        /** Owner before mode (chown clears set-uid bits), xattrs after both (chown clears capabilities), mtime last. */
        void applyAttributes(Path target, TarArchiveEntry entry, boolean symlink) throws IOException {
            Files.setAttribute(target, "unix:uid", (int) entry.getLongUserId(), NOFOLLOW);
            Files.setAttribute(target, "unix:gid", (int) entry.getLongGroupId(), NOFOLLOW);
            if (symlink) {
                applyXattrs(target, entry);
                return;
            }
            Files.setAttribute(target, "unix:mode", entry.getMode() & 07777);
            applyXattrs(target, entry);
            FileTime mtime = entry.getLastModifiedTime();
            if (mtime != null) {
                Files.getFileAttributeView(target, BasicFileAttributeView.class, NOFOLLOW)
                        .setTimes(mtime, null, null);
            }
        }

        void applyXattrs(Path target, TarArchiveEntry entry) {
            entry.getExtraPaxHeaders().forEach((key, value) -> {
                if (key.startsWith("LIBARCHIVE.xattr.")) {
                    String xattr =
                            URLDecoder.decode(key.substring("LIBARCHIVE.xattr.".length()), StandardCharsets.UTF_8);
                    special.setXattr(target, xattr, Base64.getDecoder().decode(value));
                } else if (key.startsWith("SCHILY.xattr.")) {
                    String xattr = key.substring("SCHILY.xattr.".length());
                    if (value.indexOf('\uFFFD') >= 0) {
                        // The tar reader decodes PAX values as UTF-8, so binary values arrive damaged.
                        notices.accept("layer " + layer + ": skipped binary xattr " + xattr + " on "
                                + root.relativize(target));
                    } else {
                        special.setXattr(target, xattr, value.getBytes(StandardCharsets.UTF_8));
                    }
                }
            });
        }

        void finishDirectories() throws IOException {
            List<Map.Entry<Path, TarArchiveEntry>> ordered = new ArrayList<>(directories.entrySet());
            for (int i = ordered.size() - 1; i >= 0; i--) {
                applyAttributes(ordered.get(i).getKey(), ordered.get(i).getValue(), false);
            }
        }

        /** The folder an entry goes in, created as needed; refuses to pass through a symlink or a non-folder. */
        Path parentOf(List<String> parts, String name) throws IOException {
            Path dir = root;
            for (String part : parts.subList(0, parts.size() - 1)) {
                dir = dir.resolve(part);
                if (Files.isSymbolicLink(dir)) {
                    throw new UnsafeLayerException(
                            layer, name, "would be written through the symlink " + root.relativize(dir));
                }
                if (!Files.exists(dir, NOFOLLOW)) {
                    Files.createDirectory(dir);
                    Files.setAttribute(dir, "unix:mode", 0755);
                    created.add(dir);
                } else if (Files.isDirectory(dir, NOFOLLOW) && !created.contains(dir)) {
                    entered.add(dir);
                } else if (!Files.isDirectory(dir, NOFOLLOW)) {
                    throw new UnsafeLayerException(
                            layer, name, "has a parent that is not a folder: " + root.relativize(dir));
                }
            }
            return dir;
        }

        /** A hard link's target: an existing non-folder inside the layer, reached without symlinks. */
        Path existingInside(String linkName, String name) throws IOException {
            List<String> parts = TarNames.components(layer, linkName, name);
            if (parts.isEmpty()) {
                throw new UnsafeLayerException(layer, name, "is a hard link to the layer root");
            }
            Path path = root;
            for (int i = 0; i < parts.size(); i++) {
                path = path.resolve(parts.get(i));
                if (i < parts.size() - 1 && Files.isSymbolicLink(path)) {
                    throw new UnsafeLayerException(
                            layer, name, "is a hard link through the symlink " + root.relativize(path));
                }
            }
            if (!Files.exists(path, NOFOLLOW) || Files.isDirectory(path, NOFOLLOW)) {
                throw new UnsafeLayerException(
                        layer,
                        name,
                        "is a hard link to \"" + linkName + "\", which is not an earlier file of the layer");
            }
            return path;
        }

        /** Removes whatever an entry replaces (tar semantics: the later entry wins), without following symlinks. */
        void clear(Path target) throws IOException {
            if (!Files.exists(target, NOFOLLOW)) {
                return;
            }
            boot.gone(root.relativize(target).toString());
            if (!Files.isDirectory(target, NOFOLLOW)) {
                Files.delete(target);
                return;
            }
            directories.keySet().removeIf(dir -> dir.startsWith(target));
            opaque.removeIf(dir -> dir.startsWith(target));
            deleteTree(target);
        }
    }

    /** Deletes a folder tree; symlinks are removed, never followed. */
    public static void deleteTree(Path top) throws IOException {
        if (!Files.exists(top, NOFOLLOW)) {
            return;
        }
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
