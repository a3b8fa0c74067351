package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.oci.testing.RegistryFixture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An OCI image with no kernel of its own boots with the kernel image guest/build-kernel-image.sh builds (Debian's
 * kernel with its full depmod'ed module tree, no initrd): Cocoon makes the initrd at pull, stacks the kernel image
 * below the image, and the guest sees the module tree at /lib/modules/<version>, also when its /lib is merged-/usr's
 * link to usr/lib. The demo's layers without /boot stand for a container image.
 */
@Timeout(1200)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelImageTest {

    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(20);

    private static GuestFixture guest;
    private static String kernel;
    private static String container;
    private static String mergedUsr;

    @BeforeAll
    static void pushImages(@TempDir Path dir) throws Exception {
        guest = GuestFixture.start(dir);
        RegistryFixture registry = guest.registry();
        Path layout = dir.resolve("kernel-layout");
        GuestFixture.exec(
                BUILD_TIMEOUT,
                "bash",
                CocoonCli.REPO.resolve("guest/build-kernel-image.sh").toString(),
                layout.toString());
        kernel = registry.host() + "/cocoon/kernel:latest";
        GuestFixture.exec(
                BUILD_TIMEOUT,
                "bash",
                CocoonCli.REPO.resolve("guest/push-oci.sh").toString(),
                layout.toString(),
                kernel);
        List<RegistryFixture.Layer> demo = guest.demoLayers();
        container = registry.host() + "/demo/no-kernel:latest";
        registry.pushImage(
                "demo/no-kernel",
                "latest",
                RegistryFixture.OCI_MANIFEST,
                List.of(rewritten(demo.get(0), false), demo.get(1)));
        mergedUsr = registry.host() + "/demo/merged-usr:latest";
        registry.pushImage(
                "demo/merged-usr",
                "latest",
                RegistryFixture.OCI_MANIFEST,
                List.of(rewritten(demo.get(0), true), demo.get(1)));
        CocoonCli cocoon = guest.cocoon();
        for (String image : List.of(kernel, container, mergedUsr)) {
            cocoon.run(Duration.ofMinutes(10), "", "pull", "--quiet", image).ok();
        }
    }

    @AfterAll
    static void stop() {
        if (guest != null) {
            guest.close();
        }
    }

    /** The layer without /boot; with {@code mergedUsr}, its /lib moved to /usr/lib and /lib a link to usr/lib. */
    private static RegistryFixture.Layer rewritten(RegistryFixture.Layer layer, boolean mergedUsr) throws IOException {
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(layer.blob()));
                TarArchiveInputStream tar = new TarArchiveInputStream(in);
                TarArchiveOutputStream out = new TarArchiveOutputStream(new GZIPOutputStream(gzip))) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            if (mergedUsr) {
                TarArchiveEntry link = new TarArchiveEntry("lib", TarArchiveEntry.LF_SYMLINK);
                link.setLinkName("usr/lib");
                out.putArchiveEntry(link);
                out.closeArchiveEntry();
            }
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = entry.getName();
                if (name.equals("boot/") || name.startsWith("boot/")) {
                    continue;
                }
                if (mergedUsr && (name.equals("lib/") || name.startsWith("lib/"))) {
                    entry.setName("usr/" + name);
                }
                out.putArchiveEntry(entry);
                tar.transferTo(out);
                out.closeArchiveEntry();
            }
        }
        return new RegistryFixture.Layer(gzip.toByteArray(), false);
    }

    @Test
    @Order(1)
    void anImageWithoutAKernelBootsToItsInitWithTheKernelImageAndSeesItsModules() {
        assertBootsWithModules("plain", container);
    }

    @Test
    @Order(2)
    void aMergedUsrImageSeesTheModulesAtLibModulesToo() {
        assertBootsWithModules("merged", mergedUsr);
    }

    private static void assertBootsWithModules(String name, String image) {
        CocoonCli.Run created = guest.cocoon()
                .run(
                        "create",
                        "--network",
                        "none",
                        "--name",
                        name,
                        "--hypervisor",
                        "qemu",
                        "--accel",
                        "tcg",
                        "--cpu",
                        "1",
                        "--memory",
                        GuestFixture.MEMORY,
                        "--storage",
                        GuestFixture.STORAGE,
                        "--kernel",
                        kernel,
                        image);
        assertEquals(0, created.exit(), created.err());
        assertEquals(kernel, guest.vm(name).get("kernelImage").get("reference").asText(), "inspect names it");
        guest.start(name).ok();
        guest.awaitConsole(name, GuestFixture.BANNER, 1, GuestFixture.BOOT_TIMEOUT);
        String out = guest.pipe(name, "ls /lib/modules/`uname -r`/modules.dep\n");
        assertTrue(out.matches("(?s).*/lib/modules/[0-9][^/]*-amd64/modules\\.dep.*"), out);
        assertFalse(out.contains("No such file"), out);
        guest.cocoon().run("rm", "--force", name).ok();
    }

    @Test
    @Order(3)
    void withoutAKernelImageTheRefusalNamesTheFlagAndTheSetting() {
        assertRefused(List.of(), "cocoon: image " + container + " carries no kernel", "--kernel", "[defaults] kernel");
    }

    @Test
    @Order(4)
    void aKernelImageThatIsNotPulledOrIsNoKernelImageIsRefusedInOneLine() {
        assertRefused(
                List.of("--kernel", "example.org/missing/kernel:1"),
                "cocoon: kernel image 'example.org/missing/kernel:1' is not pulled");
        guest.cocoon().run("pull", "--quiet", guest.image()).ok();
        assertRefused(List.of("--kernel", guest.image()), "cocoon: image " + guest.image() + " is not a kernel image");
    }

    @Test
    @Order(5)
    void aKernelImageAVmBootsWithCannotBeDeleted() {
        CocoonCli cocoon = guest.cocoon();
        cocoon.run(
                        "create",
                        "--network",
                        "none",
                        "--name",
                        "keeps",
                        "--hypervisor",
                        "qemu",
                        "--storage",
                        GuestFixture.STORAGE,
                        "--kernel",
                        kernel,
                        container)
                .ok();
        CocoonCli.Run refused = cocoon.run("delete", kernel);
        assertNotEquals(0, refused.exit());
        assertTrue(refused.err().contains("is used by VM keeps"), refused.err());
        cocoon.run("rm", "keeps").ok();
        cocoon.run("delete", kernel).ok();
    }

    private static void assertRefused(List<String> flags, String start, String... mentions) {
        for (String command : List.of("create", "run")) {
            List<String> args = new java.util.ArrayList<>(List.of(command, "--network", "none", "--name", "void"));
            args.addAll(flags);
            args.add(container);
            CocoonCli.Run refused = guest.cocoon().run(args.toArray(String[]::new));
            assertNotEquals(0, refused.exit(), command + " must fail");
            assertEquals(1, refused.err().strip().lines().count(), "one line: " + refused.err());
            assertTrue(refused.err().startsWith(start), refused.err());
            for (String mention : mentions) {
                assertTrue(refused.err().contains(mention), refused.err());
            }
        }
        assertEquals(
                "[]", guest.cocoon().run("ps", "--format", "json").ok().out().replaceAll("\\s", ""));
    }
}
