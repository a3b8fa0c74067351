package cocoon.plugin.oci.layer;

import cocoon.api.CocoonException;
import cocoon.plugin.oci.layer.erofs.ErofsImageWriter;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Turns a layer blob, while it downloads, into an EROFS image plus the boot files it carries, all
 * inside one work folder under {@code <root>/tmp}. Nothing outside that folder is touched.
 */
public final class LayerConverter {

    private final LayerArchive archive;
    private final LayerUnpacker unpacker;
    private final ErofsWriter erofs;
    private final ErofsLayerWriter direct;
    private final List<String> hookModules;

    /**
     * {@code direct} writes a layer's uncompressed image straight from its tar; {@code unpacker} and {@code erofs}
     * unpack it into a folder and run {@code mkfs.erofs} when images are compressed, or several layers are merged.
     * {@code hookModules}: the modules Cocoon's initrd loads, copied out of a layer's module tree; may be empty.
     */
    public LayerConverter(
            LayerArchive archive,
            LayerUnpacker unpacker,
            ErofsWriter erofs,
            ErofsLayerWriter direct,
            List<String> hookModules) {
        this.archive = archive;
        this.unpacker = unpacker;
        this.erofs = erofs;
        this.direct = direct;
        this.hookModules = List.copyOf(hookModules);
    }

    /**
     * Converts the blob read from {@code blob}, as it arrives; the results and all scratch files live in
     * {@code work}, which the caller deletes. The blob is read to its very end before the EROFS image is
     * built: the end is where the download is verified, and bytes the tar reader did not need (its end
     * blocks, the gzip trailer) are part of what is verified.
     */
    public ConvertedLayer convert(InputStream blob, Path work, String layer) {
        InputStream kept = new FilterInputStream(blob) {
            @Override
            public void close() {
                // The blob stays open to be read to its end below.
            }
        };
        try {
            if (!erofs.compresses()) {
                return convertDirectly(blob, kept, work, layer);
            }
            UnpackedTree tree = new UnpackedTree(createRoot(work));
            try (InputStream tar = archive.open(kept, work, layer)) {
                unpacker.unpack(tar, tree, layer);
            }
            blob.transferTo(OutputStream.nullOutputStream());
            Files.deleteIfExists(work.resolve("layer.tar"));
            return finish(tree, work);
        } catch (IOException e) {
            throw unpackFailure(layer, e);
        }
    }

    /** One pass over the layer: its files go into the image as they stream, the metadata once the blob is verified. */
    private ConvertedLayer convertDirectly(InputStream blob, InputStream kept, Path work, String layer)
            throws IOException {
        Path image = work.resolve("layer.erofs");
        try (ErofsImageWriter writer = new ErofsImageWriter(image)) {
            WrittenLayer written;
            try (InputStream tar = archive.open(kept, work, layer)) {
                written = direct.write(tar, writer, work, layer);
            }
            blob.transferTo(OutputStream.nullOutputStream());
            Files.deleteIfExists(work.resolve("layer.tar"));
            written.finish();
            return collect(written, written.boot(), written.listing(), image, work);
        }
    }

    /**
     * Merges verified blobs, bottom first, into one EROFS image that, stacked over the disks below them, shows
     * what the layers would have shown one disk each. Each blob file is deleted once it is applied.
     */
    public ConvertedLayer merge(List<Path> blobs, List<String> layers, Path work) {
        String layer = "";
        try {
            UnpackedTree tree = new UnpackedTree(createRoot(work));
            for (int i = 0; i < blobs.size(); i++) {
                layer = layers.get(i);
                try (InputStream tar = archive.open(
                        new BufferedInputStream(Files.newInputStream(blobs.get(i)), 1 << 16), work, layer)) {
                    unpacker.unpack(tar, tree, layer);
                }
                Files.deleteIfExists(work.resolve("layer.tar"));
                Files.delete(blobs.get(i));
            }
            return finish(tree, work);
        } catch (IOException e) {
            throw unpackFailure(layer, e);
        }
    }

    private static Path createRoot(Path work) throws IOException {
        Path rootfs = Files.createDirectory(work.resolve("rootfs"));
        Files.setAttribute(rootfs, "unix:mode", 0755);
        return rootfs;
    }

    private ConvertedLayer finish(UnpackedTree tree, Path work) throws IOException {
        Path image = work.resolve("layer.erofs");
        erofs.write(tree.root(), image);
        return collect(LayerFiles.in(tree.root()), tree.boot(), LayerListing.of(tree), image, work);
    }

    /** Takes out of a converted layer what the store keeps beside its image: listing, boot files, module archive. */
    private ConvertedLayer collect(LayerFiles files, BootCandidates boot, LayerListing listing, Path image, Path work)
            throws IOException {
        Path kernel = copyBootFile(files, boot.kernel(), work.resolve("vmlinuz"));
        Path initrd = copyBootFile(files, boot.initrd(), work.resolve("initrd"));
        Optional<ModuleTree> modules = ModuleTree.find(files, boot.kernel());
        Path moduleArchive = null;
        if (modules.isPresent() && !hookModules.isEmpty()) {
            moduleArchive = work.resolve("modules.cpio.gz");
            modules.get().writeArchive(hookModules, moduleArchive);
        }
        Path listingFile = work.resolve("listing");
        listing.write(listingFile);
        return new ConvertedLayer(
                image,
                listingFile,
                kernel,
                initrd,
                modules.map(ModuleTree::facts).orElse(null),
                moduleArchive);
    }

    private static CocoonException unpackFailure(String layer, IOException e) {
        return new CocoonException(
                "cannot unpack layer " + layer + ": " + e.getMessage(),
                "if the disk is full free space (cocoon gc); otherwise the layer is damaged, push the image again",
                e);
    }

    private static Path copyBootFile(LayerFiles files, Optional<String> name, Path target) throws IOException {
        if (name.isEmpty()) {
            return null;
        }
        // A later entry may have replaced /boot by a symlink: only a real file in a real folder is copied.
        String file = "boot/" + name.get();
        if (!files.isFolder("boot") || !files.isRegularFile(file)) {
            return null;
        }
        files.copy(file, target);
        Files.setAttribute(target, "unix:mode", 0644);
        return target;
    }
}
