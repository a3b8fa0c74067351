package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.TestLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images no VM could boot are refused by {@code create} and {@code run} in one line naming what is missing,
 * and nothing is left behind: no record, no VM folder, no disk. Before, such a VM started and sat in the
 * UEFI firmware forever.
 */
@Timeout(600)
class UnbootableImageTest {

    private static GuestFixture guest;
    private static ImageHttpServer server;

    @BeforeAll
    static void pushImages(@TempDir Path dir) throws Exception {
        guest = GuestFixture.start(dir);
        RegistryFixture registry = guest.registry();
        List<RegistryFixture.Layer> demo = guest.demoLayers();

        RegistryFixture.Layer busybox = new TestLayer()
                .dir("bin", 0755)
                .file("bin/busybox", "an executable", 0755, 0, 0)
                .dir("sbin", 0755)
                .symlink("sbin/init", "../bin/busybox")
                .gzip();
        registry.pushImage("plain/container", "latest", RegistryFixture.OCI_MANIFEST, List.of(busybox));
        List<RegistryFixture.Layer> noInit = new ArrayList<>(demo);
        noInit.add(new TestLayer().dir("sbin", 0755).whiteout("sbin", "init").gzip());
        registry.pushImage("demo/noinit", "latest", RegistryFixture.OCI_MANIFEST, noInit);
        registry.pushImage("demo/arm", "latest", RegistryFixture.OCI_MANIFEST, demo, "arm64");

        Path blank = dir.resolve("no-esp.qcow2");
        GuestFixture.exec(
                java.time.Duration.ofMinutes(1), "qemu-img", "create", "-q", "-f", "qcow2", blank.toString(), "64M");
        server = ImageHttpServer.start(Map.of("/no-esp.qcow2", blank));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (guest != null) {
            guest.close();
        }
    }

    private static String oci(String repository) {
        return guest.registry().host() + "/" + repository + ":latest";
    }

    @Test
    void aContainerImageWithNoKernelIsRefused() throws IOException {
        assertRefused(oci("plain/container"), "carries no kernel (no /boot/vmlinuz-* in its layers)");
    }

    @Test
    void anImageWhoseTopLayerDeletesSbinInitIsRefused() throws IOException {
        assertRefused(oci("demo/noinit"), "has no /sbin/init in its layers");
    }

    @Test
    void anImageBuiltForAnotherArchitectureIsRefused() throws IOException {
        assertRefused(oci("demo/arm"), "is built for arm64 and this host runs amd64 VMs");
    }

    @Test
    void aCloudImageWithoutAnEfiSystemPartitionIsRefused() throws IOException {
        assertRefused(server.url("/no-esp.qcow2"), "has no EFI system partition on its disk");
    }

    /** The image pulls, then create and run each fail with one line holding {@code why}, leaving nothing. */
    private static void assertRefused(String image, String why) throws IOException {
        CocoonCli cocoon = guest.cocoon();
        cocoon.run("pull", "--quiet", image).ok();
        for (String command : List.of("create", "run")) {
            CocoonCli.Run refused = cocoon.run(command, "--network", "none", "--name", "void", image);
            assertNotEquals(0, refused.exit(), command + " of " + image + " must fail");
            assertEquals(1, refused.err().strip().lines().count(), "one line: " + refused.err());
            assertTrue(refused.err().startsWith("cocoon: image " + image + " " + why), refused.err());
            assertEquals("", refused.out(), command + " printed nothing on stdout");
        }
        assertEquals("[]", cocoon.run("ps", "--format", "json").ok().out().replaceAll("\\s", ""), "no VM record");
        assertEquals(List.of(), entries(cocoon.root().resolve("vms")), "no VM folder, record or disk");
        assertEquals(List.of(), entries(cocoon.root().resolve("network")), "no lease");
    }

    private static List<Path> entries(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return List.of();
        }
        try (Stream<Path> list = Files.walk(folder)) {
            return list.filter(path -> !path.equals(folder)).toList();
        }
    }
}
