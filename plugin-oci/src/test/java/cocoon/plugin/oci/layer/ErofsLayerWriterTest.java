package cocoon.plugin.oci.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.oci.layer.LayerListing.Kind;
import cocoon.plugin.oci.layer.erofs.ErofsImageWriter;
import cocoon.plugin.oci.testing.ErofsInspector;
import cocoon.plugin.oci.testing.TestLayer;
import cocoon.runtime.host.HostProcesses;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An image written straight from a layer tar holds what unpacking the tar and running mkfs.erofs would. */
class ErofsLayerWriterTest {

    @TempDir
    Path work;

    private static final LayerLimits LIMITS = new LayerLimits(1L << 30, 100_000, 0);

    private static TestLayer everyKindOfEntry() {
        byte[] big = new byte[3 * ErofsImageWriter.BLOCK_SIZE + 123];
        new Random(7).nextBytes(big);
        TestLayer layer = new TestLayer()
                .dir("etc", 0755)
                .file("etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644, 0, 0)
                .file("etc/replaced", "first", 0644, 0, 0)
                .file("etc/replaced", "second, longer", 0600, 1000, 1000)
                .dir("etc/was-a-folder", 0700)
                .file("etc/was-a-folder/inside", "x", 0644, 0, 0)
                .file("etc/was-a-folder", "now a file", 0640, 0, 42)
                .whiteout("etc", "gone")
                .fileWithPax("etc/noted", "n", "SCHILY.xattr.user.note", "hello")
                .fileWithPax("etc/trusted", "t", "SCHILY.xattr.trusted.mark", "yes")
                .file("usr/bin/tool", "#!/bin/sh\necho tool\n", 04755, 0, 0)
                .hardlink("usr/bin/tool-again", "usr/bin/tool")
                .symlink("bin", "usr/bin")
                .symlink("long", "a/".repeat(1500) + "end")
                .charDevice("dev/null", 1, 3)
                .charDevice("dev/big-minor", 259, 300)
                .dir("var/cache", 0755)
                .file("var/cache/kept", "k", 0644, 0, 0)
                .opaque("var/cache")
                .file("data/big", big, 0644, 0, 0)
                .file("data/empty", new byte[0], 0644, 0, 0)
                .file("data/exact", new byte[ErofsImageWriter.BLOCK_SIZE], 0444, 5, 6);
        for (int i = 0; i < 400; i++) {
            layer.file(String.format("many/entry-with-a-rather-long-name-%04d", i), "" + i, 0644, i, i);
        }
        return layer;
    }

    private Path direct(TestLayer layer) throws IOException {
        Path image = work.resolve("direct.erofs");
        try (ErofsImageWriter writer = new ErofsImageWriter(image)) {
            WrittenLayer written = new ErofsLayerWriter(LIMITS, notice -> {})
                    .write(new ByteArrayInputStream(layer.tarBytes()), writer, work, "direct");
            written.finish();
        }
        return image;
    }

    private Path throughFolder(TestLayer layer) throws IOException {
        HostProcesses processes = new HostProcesses();
        UnpackedTree tree = new UnpackedTree(Files.createDirectory(work.resolve("rootfs")));
        new LayerUnpacker(new SpecialFiles(processes), LIMITS, notice -> {})
                .unpack(new ByteArrayInputStream(layer.tarBytes()), tree, "folder");
        Path image = work.resolve("folder.erofs");
        new ErofsWriter(processes, "", Duration.ofMinutes(1)).write(tree.root(), image);
        return image;
    }

    @Test
    void extractsToTheSameTreeAsMkfsErofsFromTheUnpackedFolder() throws Exception {
        Path direct = direct(everyKindOfEntry());
        Path folder = throughFolder(everyKindOfEntry());
        Path directTree = work.resolve("direct-tree");
        Path folderTree = work.resolve("folder-tree");
        ErofsInspector.extract(direct, directTree);
        ErofsInspector.extract(folder, folderTree);
        Map<String, String> expected = describe(folderTree);
        assertEquals(expected, describe(directTree));
        assertTrue(expected.containsKey("many/entry-with-a-rather-long-name-0399"));
    }

    @Test
    void passesFsckErofs() throws Exception {
        TestLayer[] layers = {
            everyKindOfEntry(),
            new TestLayer()
                    .file("etc/motd", "first\n", 0644, 0, 0)
                    .file("etc/motd", "second\n", 0644, 0, 0)
                    .dir("etc", 0755),
            new TestLayer().file("d/" + "n".repeat(255), "x", 0644, 0, 0),
            new TestLayer(),
        };
        for (TestLayer layer : layers) {
            Path image = direct(layer);
            Process fsck = new ProcessBuilder("fsck.erofs", image.toString())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(fsck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, fsck.waitFor(), output);
            Files.delete(image);
        }
    }

    @Test
    void keepsXattrsWhiteoutsAndOpaqueFolders() throws Exception {
        Path image = direct(everyKindOfEntry());
        assertEquals("hello", ErofsInspector.inode(image, "/etc/noted").xattrs().get("user.note"));
        assertEquals("yes", ErofsInspector.inode(image, "/etc/trusted").xattrs().get("trusted.mark"));
        assertEquals("y", ErofsInspector.inode(image, "/var/cache").xattrs().get("trusted.overlay.opaque"));
        ErofsInspector.Inode whiteout = ErofsInspector.inode(image, "/etc/gone");
        assertTrue(whiteout.isCharDevice());
        assertEquals(0, whiteout.rdev());
        assertEquals(04755, ErofsInspector.inode(image, "/usr/bin/tool").mode() & 07777);
    }

    @Test
    void listsWhatTheFolderPathLists() throws Exception {
        TestLayer layer = everyKindOfEntry();
        Path image = work.resolve("listed.erofs");
        LayerListing listing;
        try (ErofsImageWriter writer = new ErofsImageWriter(image)) {
            WrittenLayer written = new ErofsLayerWriter(LIMITS, notice -> {})
                    .write(new ByteArrayInputStream(layer.tarBytes()), writer, work, "listed");
            written.finish();
            listing = written.listing();
            assertEquals("#!/bin/sh\necho tool\n", new String(written.read("usr/bin/tool"), StandardCharsets.UTF_8));
        }
        UnpackedTree tree = new UnpackedTree(Files.createDirectory(work.resolve("rootfs")));
        new LayerUnpacker(new SpecialFiles(new HostProcesses()), LIMITS, notice -> {})
                .unpack(new ByteArrayInputStream(everyKindOfEntry().tarBytes()), tree, "folder");
        LayerListing expected = LayerListing.of(tree);
        assertEquals(expected.size(), listing.size());
        assertEquals(Kind.OPAQUE_FOLDER, listing.get("var/cache").kind());
        assertEquals(Kind.WHITEOUT, listing.get("etc/gone").kind());
        assertEquals(Kind.EXECUTABLE, listing.get("usr/bin/tool-again").kind());
        assertEquals(expected.get("long"), listing.get("long"));
    }

    @Test
    void refusesNamesThatLeaveTheLayer() throws IOException {
        for (TestLayer hostile : new TestLayer[] {
            new TestLayer().file("../escape", "x", 0644, 0, 0),
            new TestLayer().file("/etc/absolute", "x", 0644, 0, 0),
            new TestLayer().symlink("link", "/etc").file("link/passwd", "x", 0644, 0, 0),
            new TestLayer().hardlink("stolen", "../../etc/shadow")
        }) {
            assertThrows(UnsafeLayerException.class, () -> direct(hostile));
            Files.delete(work.resolve("direct.erofs"));
        }
    }

    @Test
    void refusesANameLongerThanAFileSystemHolds() throws IOException {
        UnsafeLayerException refused = assertThrows(
                UnsafeLayerException.class,
                () -> direct(new TestLayer().file("d/" + "n".repeat(256), "x", 0644, 0, 0)));
        assertTrue(refused.getMessage().contains("256 bytes: File name too long"), refused.getMessage());
    }

    /** Each path's type, mode, owner, size, content digest, link target and device number, as extracted. */
    private static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> described = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.toList()) {
                Map<String, Object> unix = Files.readAttributes(path, "unix:*", LinkOption.NOFOLLOW_LINKS);
                StringBuilder line = new StringBuilder()
                        .append(Integer.toOctalString((Integer) unix.get("mode")))
                        .append(' ')
                        .append(unix.get("uid"))
                        .append(':')
                        .append(unix.get("gid"));
                if (Files.isSymbolicLink(path)) {
                    line.append(" -> ").append(Files.readSymbolicLink(path));
                } else if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
                    line.append(' ').append(unix.get("size")).append(' ').append(digest(path));
                    line.append(" nlink ").append(unix.get("nlink"));
                    line.append(" mtime ").append(unix.get("lastModifiedTime"));
                } else if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    line.append(" rdev ").append(unix.get("rdev"));
                }
                described.put(root.relativize(path).toString(), line.toString());
            }
        }
        return described;
    }

    private static String digest(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
