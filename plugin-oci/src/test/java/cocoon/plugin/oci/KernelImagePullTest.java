package cocoon.plugin.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Image;
import cocoon.api.ImageSource;
import cocoon.api.KernelImage;
import cocoon.api.PullOptions;
import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.TestLayer;
import cocoon.runtime.config.ConfigSection;
import cocoon.runtime.plugin.Contexts;
import cocoon.runtime.store.LockScope;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kernel image (a kernel and its depmod'ed module tree, no initrd) pulled from a real registry on loopback gets
 * Cocoon's initrd: the installation's base followed by a cpio of the modules the hook loads, in load order.
 */
@Timeout(120)
class KernelImagePullTest {

    private static final String VERSION = "6.1.0-test-amd64";
    private static final byte[] BASE = "base initrd bytes".getBytes(StandardCharsets.US_ASCII);

    private static Path registryDir;
    private static RegistryFixture registry;

    @TempDir
    Path root;

    @TempDir
    Path share;

    @BeforeAll
    static void startRegistry() throws Exception {
        registryDir = Files.createTempDirectory("cocoon-registry-");
        registry = RegistryFixture.start(registryDir);
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        registry.close();
        cocoon.plugin.oci.layer.LayerUnpacker.deleteTree(registryDir);
    }

    private ImageSource source() throws IOException {
        Files.write(share.resolve("hook-initrd.cpio.gz"), BASE);
        Files.writeString(share.resolve("hook-modules"), "virtio_blk\next4\nerofs\nvirtio_net\nevil\nhostname\n");
        OciImageSourceProvider provider = new OciImageSourceProvider();
        return provider.open(Contexts.of(
                LockScope.imageSource("oci"),
                root,
                root.resolve("run"),
                root.resolve("log"),
                ConfigSection.read(null, provider.kind(), provider.settings(), Map.of())
                        .values(),
                share));
    }

    /** A module tree as depmod writes it, under {@code modules} ({@code lib/modules} or {@code usr/lib/modules}). */
    private static TestLayer kernelLayer(String modules, boolean virtioBlk) {
        String dir = modules + "/" + VERSION;
        String dep = (virtioBlk
                        ? "kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko"
                                + " kernel/drivers/virtio/virtio_ring.ko\n"
                        : "")
                + "kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko\n"
                + "kernel/drivers/virtio/virtio_ring.ko:\n"
                + "kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio.ko"
                + " kernel/drivers/virtio/virtio_ring.ko\n"
                + "kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko\n"
                + "kernel/lib/crc16.ko:\n"
                + "kernel/fs/mbcache.ko:\n"
                + "kernel/fs/jbd2/jbd2.ko:\n"
                + "kernel/fs/erofs/erofs.ko:\n"
                + "kernel/sound/unused.ko:\n";
        TestLayer layer = new TestLayer()
                .dir("boot", 0755)
                .file("boot/vmlinuz-" + VERSION, "kernel", 0644, 0, 0)
                .file(dir + "/modules.dep", dep, 0644, 0, 0)
                .file(dir + "/modules.builtin", "kernel/fs/overlayfs/overlay.ko\n", 0644, 0, 0);
        for (String line : dep.lines().toList()) {
            String module = line.substring(0, line.indexOf(':'));
            layer.file(dir + "/" + module, "module " + module, 0644, 0, 0);
        }
        return layer;
    }

    @Test
    void aKernelImageWithoutInitrdBootsWithTheBaseFollowedByItsModulesInLoadOrder() throws Exception {
        registry.pushImage(
                "test/kernel",
                "v1",
                RegistryFixture.OCI_MANIFEST,
                List.of(kernelLayer("lib/modules", true).gzip()));
        ImageSource source = source();

        Image image = source.pull(registry.host() + "/test/kernel:v1", PullOptions.defaults(), e -> {});

        assertEquals(Optional.of(new KernelImage(VERSION, List.of())), source.kernelImage(image));
        Path initrd = image.boot().initrd();
        assertEquals("cocoon-initrd", initrd.getFileName().toString());
        byte[] bytes = Files.readAllBytes(initrd);
        assertArrayEquals(BASE, Arrays.copyOf(bytes, BASE.length), "the base comes first");
        Map<String, String> entries = cpio(Arrays.copyOfRange(bytes, BASE.length, bytes.length));
        String lib = "lib/modules/" + VERSION + "/";
        assertEquals("""
                kernel/drivers/virtio/virtio_ring.ko
                kernel/drivers/virtio/virtio.ko
                kernel/drivers/block/virtio_blk.ko
                kernel/fs/jbd2/jbd2.ko
                kernel/fs/mbcache.ko
                kernel/lib/crc16.ko
                kernel/fs/ext4/ext4.ko
                kernel/fs/erofs/erofs.ko
                """, entries.get("etc/cocoon/modules"), "virtio_net is not in this kernel, and is left out");
        assertEquals("module kernel/fs/ext4/ext4.ko", entries.get(lib + "kernel/fs/ext4/ext4.ko"));
        assertFalse(entries.containsKey(lib + "kernel/sound/unused.ko"), "only what the hook loads");
        List<String> names = new ArrayList<>(entries.keySet());
        for (String name : names) {
            for (int slash = name.indexOf('/'); slash > 0; slash = name.indexOf('/', slash + 1)) {
                String folder = name.substring(0, slash);
                assertTrue(
                        names.indexOf(folder) >= 0 && names.indexOf(folder) < names.indexOf(name),
                        folder + "/ comes before " + name);
            }
        }
    }

    @Test
    void aMergedUsrTreeWithoutVirtioBlkIsAKernelImageThatSaysWhatItLacks() throws Exception {
        registry.pushImage(
                "test/kernel-usr",
                "v1",
                RegistryFixture.OCI_MANIFEST,
                List.of(kernelLayer("usr/lib/modules", false).gzip()));
        ImageSource source = source();

        Image image = source.pull(registry.host() + "/test/kernel-usr:v1", PullOptions.defaults(), e -> {});

        assertEquals(Optional.of(new KernelImage(VERSION, List.of("virtio_blk"))), source.kernelImage(image));
    }

    @Test
    void modulesThatLinkOrClimbOutOfTheTreeNeverReachTheInitrd() throws Exception {
        String dir = "lib/modules/" + VERSION;
        registry.pushImage(
                "test/kernel-hostile",
                "v1",
                RegistryFixture.OCI_MANIFEST,
                List.of(kernelLayer("lib/modules", true)
                        .file(
                                dir + "/modules.dep",
                                "kernel/drivers/block/virtio_blk.ko:\nkernel/evil.ko:\n../../../../../../etc/hostname:\n",
                                0644,
                                0,
                                0)
                        .symlink(dir + "/kernel/evil.ko", "/etc/hostname")
                        .gzip()));
        ImageSource source = source();

        Image image = source.pull(registry.host() + "/test/kernel-hostile:v1", PullOptions.defaults(), e -> {});

        byte[] bytes = Files.readAllBytes(image.boot().initrd());
        Map<String, String> entries = cpio(Arrays.copyOfRange(bytes, BASE.length, bytes.length));
        assertEquals("kernel/drivers/block/virtio_blk.ko\n", entries.get("etc/cocoon/modules"));
    }

    @Test
    void anImageWithoutAModuleTreeIsNoKernelImage() throws Exception {
        registry.pushImage(
                "test/plain-vm",
                "v1",
                RegistryFixture.OCI_MANIFEST,
                List.of(new TestLayer()
                        .dir("boot", 0755)
                        .file("boot/vmlinuz-" + VERSION, "kernel", 0644, 0, 0)
                        .gzip()));
        ImageSource source = source();

        Image image = source.pull(registry.host() + "/test/plain-vm:v1", PullOptions.defaults(), e -> {});

        assertEquals(Optional.empty(), source.kernelImage(image));
        assertEquals(null, image.boot().initrd());
    }

    /** The entries of a gzip newc cpio archive, in order: name to content (folders map to ""). */
    private static Map<String, String> cpio(byte[] gzip) throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip));
                CpioArchiveInputStream archive = new CpioArchiveInputStream(in)) {
            CpioArchiveEntry entry;
            while ((entry = archive.getNextEntry()) != null) {
                ByteArrayOutputStream content = new ByteArrayOutputStream();
                archive.transferTo(content);
                entries.put(entry.getName(), content.toString(StandardCharsets.UTF_8));
            }
        }
        return entries;
    }
}
