package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.RegistryFixture.Layer;
import cocoon.plugin.oci.testing.TestLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pull, list, delete, create, rm and gc through bin/cocoon against a real registry: shared layers
 * survive the deletion of one image, an image a VM still uses keeps its files until the VM goes,
 * orphans and old temp entries are collected, young temp entries are not.
 */
class ImageStoreGcTest {

    private static RegistryFixture registry;
    private static Layer shared;
    private static Layer onlyA;
    private static Layer onlyB;

    @TempDir
    Path dir;

    @BeforeAll
    static void pushImages(@TempDir Path registryDir) throws Exception {
        registry = RegistryFixture.start(registryDir);
        shared = new TestLayer()
                .dir("etc", 0755)
                .file("etc/os-release", "ID=cocoon-test\n", 0644, 0, 0)
                // create refuses an image with no kernel or no /sbin/init; the guest never boots here.
                .dir("boot", 0755)
                .file("boot/vmlinuz-1", "not really a kernel\n", 0644, 0, 0)
                .dir("sbin", 0755)
                .file("sbin/init", "#!/bin/sh\n", 0755, 0, 0)
                .gzip();
        onlyA = new TestLayer().file("a.txt", "image a\n", 0644, 0, 0).gzip();
        onlyB = new TestLayer().file("b.txt", "image b\n", 0644, 0, 0).gzip();
        registry.pushImage("test/a", "1", RegistryFixture.OCI_MANIFEST, List.of(shared, onlyA));
        registry.pushImage("test/b", "1", RegistryFixture.DOCKER_MANIFEST, List.of(shared, onlyB));
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        registry.close();
    }

    @Test
    void gcKeepsWhatImagesAndVmsUseAndCollectsTheRest() throws Exception {
        CocoonCli cocoon = new CocoonCli(dir);
        String a = registry.host() + "/test/a:1";
        String b = registry.host() + "/test/b:1";
        cocoon.run("pull", "--quiet", a, b).ok();
        String list = cocoon.run("list").ok().out();
        assertTrue(list.contains(a) && list.contains(b), list);
        assertEquals(3, blobs(cocoon).size());

        cocoon.run("create", "--network", "none", "--name", "vm-a", "--hypervisor", "qemu", "--storage", "128M", a)
                .ok();
        CocoonCli.Run refused = cocoon.run("delete", a);
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("used by VM vm-a"), refused.err());

        cocoon.run("delete", "--force", a).ok();
        assertFalse(cocoon.run("list").ok().out().contains(a));
        cocoon.run("gc").ok();
        assertEquals(
                List.of(onlyA.hex(), onlyB.hex(), shared.hex()).stream()
                        .sorted()
                        .toList(),
                blobs(cocoon),
                "the VM keeps image a's layers after the image is deleted");

        CocoonCli.Run removed = cocoon.run("rm", "vm-a").ok();
        assertTrue(removed.out().contains("removed"), removed.out());
        assertEquals(
                List.of(onlyB.hex(), shared.hex()).stream().sorted().toList(),
                blobs(cocoon),
                "rm collects the layer only vm-a used; the shared one stays for image b");

        cocoon.run("delete", b).ok();
        assertEquals(List.of(), blobs(cocoon));
        assertEquals(
                List.of(), files(cocoon.root().resolve("images/oci/listings")), "the disks' listings go with them");
    }

    @Test
    void gcCollectsOrphansAndOldTempEntriesButNotYoungOnes() throws Exception {
        CocoonCli cocoon = new CocoonCli(dir);
        cocoon.run("ps").ok();
        Path orphanVm = Files.createDirectories(cocoon.root().resolve("vms/0123456789abcdef"));
        Files.writeString(orphanVm.resolve("cow.raw"), "left by a crash");
        Path orphanLog = Files.createDirectories(cocoon.base().resolve("log/0123456789abcdef"));
        Path oldTemp = Files.createDirectories(cocoon.root().resolve("tmp/oci-layer-old"));
        Files.writeString(oldTemp.resolve("part"), "interrupted download");
        Files.setLastModifiedTime(oldTemp, FileTime.from(Instant.now().minusSeconds(7200)));
        Path youngTemp = Files.writeString(cocoon.root().resolve("tmp/cloudimg-young"), "in flight");

        CocoonCli.Run dryRun = cocoon.run("gc", "--dry-run").ok();
        assertTrue(dryRun.out().contains("would remove " + orphanVm), dryRun.out());
        assertTrue(dryRun.out().contains("would remove " + oldTemp), dryRun.out());
        assertTrue(dryRun.out().contains("would free"), dryRun.out());
        assertTrue(Files.exists(orphanVm) && Files.exists(oldTemp), "a dry run removes nothing");

        CocoonCli.Run gc = cocoon.run("gc").ok();
        assertTrue(gc.out().contains("freed"), gc.out());
        assertFalse(Files.exists(orphanVm));
        assertFalse(Files.exists(orphanLog));
        assertFalse(Files.exists(oldTemp));
        assertTrue(Files.exists(youngTemp), "a temp entry younger than the horizon survives");

        cocoon.run("gc", "--horizon", "0s").ok();
        assertFalse(Files.exists(youngTemp));
    }

    private static List<String> blobs(CocoonCli cocoon) throws IOException {
        return files(cocoon.root().resolve("images/oci/blobs/sha256")).stream()
                .map(name -> name.replace(".erofs", ""))
                .toList();
    }

    private static List<String> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
