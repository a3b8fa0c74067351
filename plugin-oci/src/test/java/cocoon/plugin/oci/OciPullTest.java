package cocoon.plugin.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.BootProblem;
import cocoon.api.BootSpec;
import cocoon.api.CocoonException;
import cocoon.api.DigestMismatchException;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.Image;
import cocoon.api.ImageConfig;
import cocoon.api.ImageSource;
import cocoon.api.InvalidInputException;
import cocoon.api.NotFoundException;
import cocoon.api.ProgressEvent;
import cocoon.api.PullOptions;
import cocoon.plugin.oci.layer.LayerTooLargeException;
import cocoon.plugin.oci.layer.UnsafeLayerException;
import cocoon.plugin.oci.testing.ErofsInspector;
import cocoon.plugin.oci.testing.RecordingProxy;
import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.RegistryFixture.Layer;
import cocoon.plugin.oci.testing.RegistryFixture.Platform;
import cocoon.plugin.oci.testing.TestLayer;
import cocoon.runtime.config.ConfigSection;
import cocoon.runtime.plugin.Contexts;
import cocoon.runtime.store.LockScope;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from a real registry on loopback, through a proxy that counts and can corrupt blob downloads. */
@Timeout(120)
class OciPullTest {

    private static Path registryDir;
    private static RegistryFixture registry;
    private static RecordingProxy proxy;

    @TempDir
    Path root;

    @TempDir
    Path scratch;

    @BeforeAll
    static void startRegistry() throws Exception {
        registryDir = Files.createTempDirectory("cocoon-registry-");
        registry = RegistryFixture.start(registryDir);
        proxy = RecordingProxy.start(registry.host());
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        proxy.close();
        registry.close();
        cocoon.plugin.oci.layer.LayerUnpacker.deleteTree(registryDir);
    }

    @BeforeEach
    void resetProxy() {
        proxy.clear();
        proxy.corrupt(null);
    }

    private ImageSource source(Map<String, String> settings) {
        OciImageSourceProvider provider = new OciImageSourceProvider();
        return provider.open(Contexts.of(
                LockScope.imageSource("oci"),
                root,
                root.resolve("run"),
                root.resolve("log"),
                ConfigSection.read(null, provider.kind(), provider.settings(), settings)
                        .values()));
    }

    private ImageSource source() {
        return source(Map.of());
    }

    private String ref(String repositoryAndTag) {
        return proxy.host() + "/" + repositoryAndTag;
    }

    private static Layer baseLayer() {
        return new TestLayer()
                .dir("bin", 0755)
                .file("bin/tool", "#!/bin/sh\necho tool\n", 04755, 1000, 1001)
                .hardlink("bin/tool-again", "bin/tool")
                .symlink("bin/env", "/usr/bin/env")
                .symlink("bin/sibling", "tool")
                .dir("etc", 0755)
                .fileWithPax("etc/noted", "with an xattr\n", "SCHILY.xattr.user.note", "kept")
                .file("etc/gone.conf", "deleted above\n", 0640, 0, 42)
                .dir("data", 0700)
                .file("data/old.txt", "hidden by the opaque dir above\n", 0644, 0, 0)
                .charDevice("dev-null", 1, 3)
                .gzip();
    }

    private static Layer upperLayer() {
        return new TestLayer()
                .dir("etc", 0755)
                .whiteout("etc", "gone.conf")
                .dir("data", 0750)
                .opaque("data")
                .file("data/new.txt", "fresh\n", 0600, 0, 0)
                .gzip();
    }

    private static Layer bootLayer(Path scratch) throws Exception {
        return new TestLayer()
                .dir("boot", 0755)
                .file("boot/vmlinuz-6.1.0-9-amd64", "old kernel", 0644, 0, 0)
                .file("boot/initrd.img-6.1.0-9-amd64", "old initrd", 0644, 0, 0)
                .file("boot/vmlinuz-6.1.0-10-amd64", "new kernel", 0644, 0, 0)
                .file("boot/initrd.img-6.1.0-10-amd64", "new initrd", 0644, 0, 0)
                .symlink("vmlinuz", "boot/vmlinuz-6.1.0-10-amd64")
                .zstd(scratch);
    }

    @Test
    void pullsTheAmd64ImageOfAManifestListIntoOneErofsDiskPerLayer() throws Exception {
        Layer base = baseLayer();
        Layer upper = upperLayer();
        Layer armOnly =
                new TestLayer().file("arm.txt", "arm64 only", 0644, 0, 0).gzip();
        var amd64 = registry.pushImage("test/multi", "amd64", RegistryFixture.DOCKER_MANIFEST, List.of(base, upper));
        var arm64 = registry.pushImage("test/multi", "arm64", RegistryFixture.DOCKER_MANIFEST, List.of(armOnly));
        registry.pushIndex(
                "test/multi",
                "v1",
                RegistryFixture.DOCKER_LIST,
                RegistryFixture.DOCKER_MANIFEST,
                List.of(new Platform("linux", "arm64", arm64), new Platform("linux", "amd64", amd64)));
        List<ProgressEvent> events = new ArrayList<>();

        Image image = source().pull(ref("test/multi:v1"), PullOptions.defaults(), events::add);

        assertEquals("oci", image.kind());
        assertEquals(ref("test/multi:v1"), image.reference());
        assertEquals(amd64.digest(), image.digest());
        assertEquals(BootSpec.firmware(), image.boot());
        Path blobs = root.resolve("images/oci/blobs/sha256");
        assertEquals(
                List.of(
                        new Disk(
                                blobs.resolve(base.hex() + ".erofs"),
                                DiskFormat.RAW,
                                true,
                                base.hex().substring(0, 20),
                                null),
                        new Disk(
                                blobs.resolve(upper.hex() + ".erofs"),
                                DiskFormat.RAW,
                                true,
                                upper.hex().substring(0, 20),
                                null)),
                image.baseDisks());
        assertFalse(proxy.blobFetches().contains(armOnly.digest()), "the arm64 layer is never fetched");
        assertTrue(events.stream()
                .anyMatch(e -> e.phase() == ProgressEvent.Phase.DONE
                        && e.item().equals(base.hex().substring(0, 12))));
        assertTrue(image.sizeBytes() > 0);
        assertEquals(List.of(image), source().list());
        assertEmpty(root.resolve("tmp"));

        Path lower = image.baseDisks().get(0).path();
        Path top = image.baseDisks().get(1).path();
        ErofsInspector.fsck(lower);
        ErofsInspector.fsck(top);

        var tool = ErofsInspector.inode(lower, "/bin/tool");
        assertEquals(0100000 | 04755, tool.mode(), "set-uid regular file keeps its mode");
        assertEquals(1000, tool.uid());
        assertEquals(1001, tool.gid());
        assertEquals(tool.nid(), ErofsInspector.inode(lower, "/bin/tool-again").nid(), "hard link shares the inode");
        assertEquals(0100640, ErofsInspector.inode(lower, "/etc/gone.conf").mode());
        assertEquals(42, ErofsInspector.inode(lower, "/etc/gone.conf").gid());
        assertEquals(040700, ErofsInspector.inode(lower, "/data").mode());
        assertEquals("kept", ErofsInspector.inode(lower, "/etc/noted").xattrs().get("user.note"));
        var devNull = ErofsInspector.inode(lower, "/dev-null");
        assertTrue(devNull.isCharDevice());
        assertEquals((1 << 8) | 3, devNull.rdev(), "device 1:3 survives");

        Path extracted = scratch.resolve("lower");
        ErofsInspector.extract(lower, extracted);
        assertEquals(Path.of("/usr/bin/env"), Files.readSymbolicLink(extracted.resolve("bin/env")));
        assertEquals(Path.of("tool"), Files.readSymbolicLink(extracted.resolve("bin/sibling")));
        assertEquals("#!/bin/sh\necho tool\n", Files.readString(extracted.resolve("bin/tool")));

        var whiteout = ErofsInspector.inode(top, "/etc/gone.conf");
        assertTrue(whiteout.isCharDevice(), "whiteout is a character device");
        assertEquals(0, whiteout.rdev(), "whiteout is device 0/0");
        var data = ErofsInspector.inode(top, "/data");
        assertEquals("y", data.xattrs().get("trusted.overlay.opaque"));
        assertEquals(040750, data.mode());
        Path upperTree = scratch.resolve("upper");
        ErofsInspector.extract(top, upperTree);
        assertFalse(
                Files.exists(upperTree.resolve("data/.wh..wh..opq"), LinkOption.NOFOLLOW_LINKS),
                "no OCI marker remains");
        assertFalse(Files.exists(upperTree.resolve("etc/.wh.gone.conf"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("fresh\n", Files.readString(upperTree.resolve("data/new.txt")));

        String index = Files.readString(root.resolve("images/oci/index.json"));
        assertTrue(
                index.contains(amd64.digest()) && index.contains(base.digest()) && index.contains(upper.digest()),
                index);
    }

    @Test
    void layersBeyondSixteenDisksAreMergedIntoOneThatKeepsTheirWhiteouts() throws Exception {
        List<Layer> layers = new ArrayList<>();
        layers.add(new TestLayer()
                .dir("etc", 0755)
                .file("etc/doomed", "deleted at the top\n", 0644, 0, 0)
                .dir("sbin", 0755)
                .file("sbin/init", "#!/bin/sh\n", 0755, 0, 0)
                .dir("boot", 0755)
                .file("boot/vmlinuz-6.1", "kernel", 0644, 0, 0)
                .gzip());
        for (int i = 1; i < 40; i++) {
            TestLayer layer = new TestLayer().dir("etc", 0755).file("etc/layer-" + i, "layer " + i + "\n", 0644, 0, 0);
            if (i == 30) {
                layer.whiteout("etc", "doomed").whiteout("etc", "layer-20");
            }
            layers.add(layer.gzip());
        }
        registry.pushImage("test/many", "v1", RegistryFixture.OCI_MANIFEST, layers);
        List<ProgressEvent> events = new ArrayList<>();

        Image image = source().pull(ref("test/many:v1"), PullOptions.defaults(), events::add);

        assertEquals(16, image.baseDisks().size());
        for (int i = 0; i < 15; i++) {
            assertEquals(
                    layers.get(i).hex().substring(0, 20),
                    image.baseDisks().get(i).serial());
        }
        Path merged = image.baseDisks().get(15).path();
        ErofsInspector.fsck(merged);
        var doomed = ErofsInspector.inode(merged, "/etc/doomed");
        assertTrue(doomed.isCharDevice() && doomed.rdev() == 0, "the whiteout hides the file in a disk below");
        assertTrue(ErofsInspector.inode(merged, "/etc/layer-20").isCharDevice(), "a merged layer's file is deleted");
        Path tree = scratch.resolve("merged");
        ErofsInspector.extract(merged, tree);
        assertEquals("layer 39\n", Files.readString(tree.resolve("etc/layer-39")));
        assertTrue(Files.isRegularFile(tree.resolve("etc/layer-15")));
        assertFalse(Files.exists(tree.resolve("etc/layer-14")), "layer 14 has a disk of its own");
        assertTrue(image.boot().bootsKernel(), "the kernel of a layer with its own disk is found");
        assertEquals(List.of(), source().bootProblems(image));
        assertEmpty(root.resolve("tmp"));
        assertTrue(
                events.stream().anyMatch(e -> e.detail() != null && e.detail().contains("merged into one disk")));

        int fetches = proxy.blobFetches().size();
        source().pull(ref("test/many:v1"), PullOptions.defaults(), event -> {});
        assertEquals(fetches, proxy.blobFetches().size(), "a re-pull finds the merged disk in the store");
    }

    @Test
    void anImageWithoutKernelInitOrTheHostsArchitectureIsUnbootable() throws Exception {
        Layer busybox = new TestLayer()
                .dir("bin", 0755)
                .file("bin/busybox", "ELF", 0755, 0, 0)
                .dir("sbin", 0755)
                .symlink("sbin/init", "../bin/busybox")
                .gzip();
        Layer noInit =
                new TestLayer().dir("sbin", 0755).whiteout("sbin", "init").gzip();
        Layer kernel = new TestLayer()
                .dir("boot", 0755)
                .file("boot/vmlinuz-6.1", "k", 0644, 0, 0)
                .gzip();
        registry.pushImage("test/container", "v1", RegistryFixture.OCI_MANIFEST, List.of(busybox));
        registry.pushImage("test/noinit", "v1", RegistryFixture.OCI_MANIFEST, List.of(busybox, kernel, noInit));
        registry.pushImage("test/arm", "v1", RegistryFixture.OCI_MANIFEST, List.of(busybox, kernel), "arm64");
        registry.pushImage("test/vm", "v1", RegistryFixture.OCI_MANIFEST, List.of(busybox, kernel));
        ImageSource source = source();

        assertEquals(
                List.of(BootProblem.Kind.NO_KERNEL),
                kinds(source, source.pull(ref("test/container:v1"), PullOptions.defaults(), e -> {})));
        assertEquals(
                List.of(BootProblem.Kind.NO_INIT),
                kinds(source, source.pull(ref("test/noinit:v1"), PullOptions.defaults(), e -> {})));
        assertEquals(
                List.of(BootProblem.Kind.WRONG_ARCHITECTURE),
                kinds(source, source.pull(ref("test/arm:v1"), PullOptions.defaults(), e -> {})));
        assertEquals(List.of(), kinds(source, source.pull(ref("test/vm:v1"), PullOptions.defaults(), e -> {})));
        BootProblem noKernel = source.bootProblems(source.list().stream()
                        .filter(i -> i.reference().endsWith("container:v1"))
                        .findFirst()
                        .orElseThrow())
                .get(0);
        assertTrue(noKernel.what().contains("carries no kernel"), noKernel.what());
        assertTrue(noKernel.hint().contains("guest/build-oci-demo.sh"), noKernel.hint());
    }

    @Test
    void whatTheImageConfigSaysToRunIsKeptInTheIndex() throws Exception {
        Layer root = new TestLayer().dir("srv", 0755).gzip();
        registry.pushImage(
                "test/app",
                "v1",
                RegistryFixture.OCI_MANIFEST,
                List.of(root),
                "amd64",
                "{\"Entrypoint\":[\"/bin/tini\",\"--\"],\"Cmd\":[\"app\",\"--port\",\"80\"],"
                        + "\"Env\":[\"PATH=/bin\",\"A=it's 1\"],\"WorkingDir\":\"/srv\",\"User\":\"app:app\"}");
        ImageSource source = source();

        Image pulled = source.pull(ref("test/app:v1"), PullOptions.defaults(), e -> {});

        ImageConfig expected = new ImageConfig(
                List.of("/bin/tini", "--"),
                List.of("app", "--port", "80"),
                List.of("PATH=/bin", "A=it's 1"),
                "/srv",
                "app:app");
        assertEquals(expected, pulled.config());
        assertEquals(
                expected,
                source.list().stream()
                        .filter(image -> image.reference().endsWith("test/app:v1"))
                        .findFirst()
                        .orElseThrow()
                        .config(),
                "read back from the index");
    }

    private static List<BootProblem.Kind> kinds(ImageSource source, Image image) {
        return source.bootProblems(image).stream().map(BootProblem::kind).toList();
    }

    @Test
    void cachedLayersAreNeverFetchedAgainAndSharedLayersOnlyOnce() throws Exception {
        Layer base = new TestLayer()
                .dir("usr", 0755)
                .file("usr/shared.txt", "shared base", 0644, 0, 0)
                .gzip();
        Layer first = new TestLayer().file("first.txt", "first", 0644, 0, 0).gzip();
        Layer kernel = bootLayer(scratch);
        registry.pushImage("test/dedup", "one", RegistryFixture.OCI_MANIFEST, List.of(base, first));
        registry.pushImage("test/dedup", "two", RegistryFixture.OCI_MANIFEST, List.of(base, kernel));
        ImageSource source = source();

        source.pull(ref("test/dedup:one"), PullOptions.defaults(), event -> {});
        assertEquals(List.of(base.digest(), first.digest()), sorted(proxy.blobFetches(), base, first));

        proxy.clear();
        Image again = source.pull(ref("test/dedup:one"), PullOptions.defaults(), event -> {});
        assertEquals(
                List.of("HEAD /v2/test/dedup/manifests/one"),
                proxy.requests(),
                "a repeat pull of an unchanged tag is one HEAD request, and no layer blob");
        assertEquals(source.list().get(0), again);

        Image pinned = source.pull(ref("test/dedup@" + again.digest()), PullOptions.defaults(), event -> {});
        proxy.clear();
        assertEquals(pinned, source.pull(ref("test/dedup@" + again.digest()), PullOptions.defaults(), event -> {}));
        assertEquals(List.of(), proxy.requests(), "a digest reference already pulled needs no request at all");
        source.delete(pinned);

        proxy.clear();
        Image two = source.pull(ref("test/dedup:two"), PullOptions.defaults(), event -> {});
        assertEquals(
                List.of(kernel.digest()),
                sorted(proxy.blobFetches(), base, first, kernel),
                "only the layer not yet stored is fetched");

        Path bootDir = root.resolve("images/oci/boot").resolve(kernel.hex());
        assertEquals(BootSpec.kernel(bootDir.resolve("vmlinuz"), bootDir.resolve("initrd"), ""), two.boot());
        assertEquals("new kernel", Files.readString(bootDir.resolve("vmlinuz")), "the newest kernel version wins");
        assertEquals("new initrd", Files.readString(bootDir.resolve("initrd")), "the initrd of the same version");
        ErofsInspector.fsck(two.baseDisks().get(1).path());

        proxy.clear();
        source.pull(ref("test/dedup:one"), new PullOptions(false, true, null, null, null), event -> {});
        assertEquals(2, sorted(proxy.blobFetches(), base, first).size(), "--force downloads again");
        assertEquals(2, source.list().size());
    }

    @Test
    void aCorruptedBlobIsRejectedAndLeavesNothingInTheStore() throws Exception {
        Layer layer = new TestLayer()
                .file("payload.bin", "x".repeat(5000), 0644, 0, 0)
                .gzip();
        registry.pushImage("test/corrupt", "v1", RegistryFixture.OCI_MANIFEST, List.of(layer));
        proxy.corrupt(layer.digest());

        ImageSource source = source();
        DigestMismatchException error = assertThrows(
                DigestMismatchException.class,
                () -> source.pull(ref("test/corrupt:v1"), PullOptions.defaults(), event -> {}));

        assertTrue(error.getMessage().contains(layer.digest()), error.getMessage());
        assertFalse(Files.exists(root.resolve("images/oci/blobs/sha256").resolve(layer.hex() + ".erofs")));
        assertEmpty(root.resolve("tmp"));
        assertEquals(List.of(), source.list());
        assertEquals(java.util.Set.of(), source.files());

        proxy.corrupt(null);
        assertEquals(
                1,
                source.pull(ref("test/corrupt:v1"), PullOptions.defaults(), event -> {})
                        .baseDisks()
                        .size(),
                "the same pull succeeds once the data is intact");
    }

    @Test
    void hostileLayersAreRefusedWithoutWritingOutsideTheirFolder() throws Exception {
        Path outside = scratch.resolve("outside");
        Files.createDirectories(outside);
        Map<String, Layer> hostile = Map.of(
                "dotdot",
                        new TestLayer()
                                .file("../../escaped.txt", "x", 0644, 0, 0)
                                .gzip(),
                "absolute",
                        new TestLayer()
                                .file(outside.resolve("absolute.txt").toString(), "x", 0644, 0, 0)
                                .gzip(),
                "through-symlink",
                        new TestLayer()
                                .symlink("evil", outside.toString())
                                .file("evil/through-link.txt", "x", 0644, 0, 0)
                                .gzip(),
                "hardlink-out",
                        new TestLayer()
                                .hardlink("passwd", "../../../../etc/passwd")
                                .gzip());
        ImageSource source = source();
        for (var entry : hostile.entrySet()) {
            registry.pushImage("test/hostile", entry.getKey(), RegistryFixture.OCI_MANIFEST, List.of(entry.getValue()));
            UnsafeLayerException error = assertThrows(
                    UnsafeLayerException.class,
                    () -> source.pull(ref("test/hostile:" + entry.getKey()), PullOptions.defaults(), event -> {}),
                    entry.getKey());
            assertTrue(error.getMessage().contains("unsafe"), error.getMessage());
            assertFalse(Files.exists(root.resolve("images/oci/blobs/sha256")
                    .resolve(entry.getValue().hex() + ".erofs")));
        }
        assertEmpty(outside);
        assertEmpty(root.resolve("tmp"));
        assertFalse(Files.exists(scratch.getParent().resolve("escaped.txt")));
        assertEquals(List.of(), source.list());
    }

    @Test
    void aTarBombStopsAtTheConfiguredBound() throws Exception {
        Layer gzipBomb =
                new TestLayer().file("zeros", new byte[3 << 20], 0644, 0, 0).gzip();
        Layer zstdBomb =
                new TestLayer().file("zeros", new byte[5 << 20], 0644, 0, 0).zstd(scratch);
        Layer manyEntries = manyFiles(50);
        registry.pushImage("test/bomb", "gzip", RegistryFixture.OCI_MANIFEST, List.of(gzipBomb));
        registry.pushImage("test/bomb", "zstd", RegistryFixture.OCI_MANIFEST, List.of(zstdBomb));
        registry.pushImage("test/bomb", "entries", RegistryFixture.OCI_MANIFEST, List.of(manyEntries));
        ImageSource source = source(Map.of("max_layer_size", "1M", "max_layer_entries", "20", "min_free", "0"));

        for (String tag : List.of("gzip", "zstd", "entries")) {
            LayerTooLargeException error = assertThrows(
                    LayerTooLargeException.class,
                    () -> source.pull(ref("test/bomb:" + tag), PullOptions.defaults(), event -> {}),
                    tag);
            assertTrue(error.hint().contains("max_layer_"), error.hint());
        }
        assertEmpty(root.resolve("tmp"));
        assertEquals(java.util.Set.of(), source.files());
    }

    @Test
    void aConfiguredCompressorShrinksTheLayerImageAndKeepsItsFiles() throws Exception {
        String text = "a line that lz4 compresses well\n".repeat(1 << 15);
        Layer plain = new TestLayer().file("text", "plain " + text, 0644, 0, 0).gzip();
        Layer compressed =
                new TestLayer().file("text", "lz4 " + text, 0644, 0, 0).gzip();
        registry.pushImage("test/lz4", "plain", RegistryFixture.OCI_MANIFEST, List.of(plain));
        registry.pushImage("test/lz4", "lz4", RegistryFixture.OCI_MANIFEST, List.of(compressed));

        Path plainDisk = source().pull(ref("test/lz4:plain"), PullOptions.defaults(), event -> {})
                .baseDisks()
                .get(0)
                .path();
        Path lz4Disk = source(Map.of("erofs_compression", "lz4"))
                .pull(ref("test/lz4:lz4"), PullOptions.defaults(), event -> {})
                .baseDisks()
                .get(0)
                .path();

        assertTrue(Files.size(plainDisk) > text.length(), "uncompressed: " + Files.size(plainDisk));
        assertTrue(Files.size(lz4Disk) < text.length() / 4, "lz4: " + Files.size(lz4Disk));
        Path extracted = scratch.resolve("lz4");
        ErofsInspector.extract(lz4Disk, extracted);
        assertEquals("lz4 " + text, Files.readString(extracted.resolve("text")));
    }

    @Test
    void aMovedTagUpdatesItsEntryAndOldBlobsWaitForTheCollector() throws Exception {
        Layer before = new TestLayer().file("version", "1", 0644, 0, 0).gzip();
        Layer after = new TestLayer().file("version", "2", 0644, 0, 0).gzip();
        ImageSource source = source();
        registry.pushImage("test/moving", "stable", RegistryFixture.DOCKER_MANIFEST, List.of(before));
        Image old = source.pull(ref("test/moving:stable"), PullOptions.defaults(), event -> {});
        var moved = registry.pushImage("test/moving", "stable", RegistryFixture.DOCKER_MANIFEST, List.of(after));

        Image current = source.pull(ref("test/moving:stable"), PullOptions.defaults(), event -> {});

        assertEquals(moved.digest(), current.digest());
        assertNotEquals(old.digest(), current.digest());
        assertEquals(List.of(current), source.list());
        Path oldBlob = old.baseDisks().get(0).path();
        assertTrue(Files.exists(oldBlob), "the old layer stays until gc");
        assertTrue(source.files().contains(oldBlob));
        assertFalse(source.inUse().contains(oldBlob));
        assertTrue(source.inUse().contains(current.baseDisks().get(0).path()));

        source.delete(current);
        assertEquals(List.of(), source.list());
        assertEquals(java.util.Set.of(), source.inUse());
        assertTrue(Files.exists(current.baseDisks().get(0).path()), "delete removes the index entry only");
        assertThrows(NotFoundException.class, () -> source.delete(current));
    }

    @Test
    void aMissingTagIsNotFound() {
        NotFoundException error = assertThrows(
                NotFoundException.class,
                () -> source().pull(ref("test/nothing:here"), PullOptions.defaults(), event -> {}));
        assertTrue(error.getMessage().contains("test/nothing:here"), error.getMessage());
    }

    @Test
    void aCaFileThatHoldsNoCertificateIsInvalidInputNamingIt() throws Exception {
        Path notACertificate = Files.writeString(scratch.resolve("server.csr"), "not a PEM certificate\n");

        InvalidInputException e = assertThrows(
                InvalidInputException.class,
                () -> source().pull(
                                ref("test/nothing:here"),
                                new PullOptions(false, false, null, null, notACertificate),
                                event -> {}));

        assertTrue(e.getMessage().contains("server.csr"), e.getMessage());
    }

    @Test
    void aLoopbackRegistryNobodyServesFailsAtOnceInsteadOfAfterRetries() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        long start = System.nanoTime();

        CocoonException e = assertThrows(
                CocoonException.class,
                () -> source().pull("127.0.0.1:" + closed + "/test/nothing:here", PullOptions.defaults(), event -> {}));

        assertTrue(e.getMessage().startsWith("cannot reach registry 127.0.0.1:" + closed), e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "jib's retries took over");
    }

    @Test
    void theSourceClaimsRegistryReferencesAndFindsItsTools() {
        ImageSource source = source();
        assertTrue(source.handles("ubuntu:24.04"));
        assertTrue(source.handles(ref("img")));
        assertFalse(source.handles("https://cloud-images.ubuntu.com/noble.img"));
        assertFalse(source.handles("Not A Reference"));
        assertTrue(source.check().usable(), source.check().detail());
        assertFalse(
                source.check().detail().contains("mkfs.ext4"), "the disk builder's tool is on the disk builder's line");
    }

    @Test
    void aNameAsUsersTypeItStandsForTheReferenceTheIndexKeys() {
        ImageSource source = source();
        assertEquals("docker.io/library/ubuntu:latest", source.canonical("ubuntu"));
        assertEquals("docker.io/library/ubuntu:24.04", source.canonical("index.docker.io/ubuntu:24.04"));
        assertEquals("localhost:5000/img:latest", source.canonical("localhost:5000/img"));
    }

    private Layer manyFiles(int count) {
        TestLayer layer = new TestLayer();
        for (int i = 0; i < count; i++) {
            layer.file("f" + i, "", 0644, 0, 0);
        }
        return layer.gzip();
    }

    /** The fetched blobs among {@code order}, in that order: image configs and other images' layers aside. */
    private static List<String> sorted(List<String> fetched, Layer... order) {
        List<String> known = Stream.of(order).map(Layer::digest).toList();
        return fetched.stream()
                .filter(known::contains)
                .sorted((a, b) -> Integer.compare(known.indexOf(a), known.indexOf(b)))
                .toList();
    }

    private static void assertEmpty(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            assertEquals(List.of(), entries.toList(), dir + " is empty");
        }
    }
}
