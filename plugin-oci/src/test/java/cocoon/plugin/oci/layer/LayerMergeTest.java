package cocoon.plugin.oci.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.oci.layer.LayerListing.Kind;
import cocoon.plugin.oci.testing.TestLayer;
import cocoon.runtime.host.HostProcesses;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layers applied in order to one folder show, over the disks below, what one disk per layer would have shown. */
class LayerMergeTest {

    @TempDir
    Path work;

    private final LayerUnpacker unpacker = new LayerUnpacker(
            new SpecialFiles(new HostProcesses()), new LayerLimits(1L << 30, 100_000, 0), notice -> {});

    private void apply(UnpackedTree tree, TestLayer layer, String name) throws IOException {
        try (var tar = new GZIPInputStream(new ByteArrayInputStream(layer.gzip().blob()))) {
            unpacker.unpack(tar, tree, name);
        }
    }

    private UnpackedTree tree() throws IOException {
        return new UnpackedTree(Files.createDirectory(work.resolve("rootfs")));
    }

    @Test
    void aWhiteoutDeletesAnEarlierLayersFileAndStaysForTheDisksBelow() throws IOException {
        UnpackedTree tree = tree();
        apply(tree, new TestLayer().dir("etc", 0755).file("etc/doomed", "x", 0644, 0, 0), "one");
        apply(tree, new TestLayer().dir("etc", 0755).whiteout("etc", "doomed").whiteout("etc", "below"), "two");
        LayerListing listing = LayerListing.of(tree);
        assertEquals(Kind.WHITEOUT, listing.get("etc/doomed").kind());
        assertEquals(Kind.WHITEOUT, listing.get("etc/below").kind());
    }

    @Test
    void anOpaqueMarkerKeepsOnlyItsOwnLayersContentWhereverItComesInTheTar() throws IOException {
        UnpackedTree tree = tree();
        apply(
                tree,
                new TestLayer()
                        .dir("data", 0755)
                        .file("data/old", "x", 0644, 0, 0)
                        .dir("data/sub", 0755)
                        .file("data/sub/old", "x", 0644, 0, 0),
                "one");
        apply(
                tree,
                new TestLayer()
                        .file("data/sub/new", "y", 0644, 0, 0)
                        .opaque("data")
                        .file("data/new", "y", 0644, 0, 0),
                "two");
        LayerListing listing = LayerListing.of(tree);
        assertEquals(Kind.OPAQUE_FOLDER, listing.get("data").kind());
        assertNull(listing.get("data/old"));
        assertNull(listing.get("data/sub/old"));
        assertEquals(Kind.OTHER, listing.get("data/sub/new").kind());
        assertEquals(Kind.OTHER, listing.get("data/new").kind());
    }

    @Test
    void aFolderReplacingAnEarlierFileHidesTheDisksBelow() throws IOException {
        UnpackedTree tree = tree();
        apply(tree, new TestLayer().file("thing", "a file first", 0644, 0, 0), "one");
        apply(tree, new TestLayer().dir("thing", 0755).file("thing/inside", "x", 0755, 0, 0), "two");
        apply(tree, new TestLayer().dir("plain", 0755), "three");
        LayerListing listing = LayerListing.of(tree);
        assertEquals(Kind.OPAQUE_FOLDER, listing.get("thing").kind());
        assertEquals(Kind.EXECUTABLE, listing.get("thing/inside").kind());
        assertEquals(Kind.FOLDER, listing.get("plain").kind(), "a new folder merges with those below");
    }

    @Test
    void aKernelDeletedByALaterLayerIsNotBooted() throws IOException {
        UnpackedTree tree = tree();
        apply(tree, new TestLayer().dir("boot", 0755).file("boot/vmlinuz-6.1", "k", 0644, 0, 0), "one");
        assertEquals("vmlinuz-6.1", tree.boot().kernel().orElseThrow());
        apply(tree, new TestLayer().opaque("boot"), "two");
        assertFalse(tree.boot().kernel().isPresent());
        apply(tree, new TestLayer().dir("boot", 0755).file("boot/vmlinuz-6.2", "k", 0644, 0, 0), "three");
        assertTrue(Files.isRegularFile(tree.root().resolve("boot/vmlinuz-6.2")));
        assertEquals("vmlinuz-6.2", tree.boot().kernel().orElseThrow());
    }

    @Test
    void aListingReadsBackAsWritten() throws IOException {
        UnpackedTree tree = tree();
        apply(tree, new TestLayer().dir("sbin", 0755).symlink("sbin/init", "../bin/busybox"), "one");
        Path file = work.resolve("listing");
        LayerListing.of(tree).write(file);
        LayerListing read = LayerListing.read(file);
        assertEquals(Kind.SYMLINK, read.get("sbin/init").kind());
        assertEquals("../bin/busybox", read.get("sbin/init").target());
        assertEquals(2, read.size());
    }
}
