package cocoon.plugin.cloudimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Disk;
import cocoon.api.DiskBuilder;
import cocoon.api.DiskFormat;
import cocoon.api.Image;
import cocoon.api.InvalidInputException;
import cocoon.api.Nic;
import cocoon.api.PullOptions;
import cocoon.api.VmDisks;
import cocoon.api.VmNetwork;
import cocoon.api.VmSpec;
import cocoon.plugin.cloudimage.disk.OverlayDiskBuilderProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OverlayDiskBuilderTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private PullFixture store;
    private DiskBuilder builder;
    private Image image;
    private Path base;
    private Path vmDir;

    @BeforeEach
    void pullImage() throws Exception {
        store = new PullFixture(dir);
        builder = new OverlayDiskBuilderProvider().open(store.context);
        try (ImageServer server = ImageServer.http()) {
            server.file("/disk.raw", TestImages.raw(11), false);
            image = store.source.pull(server.url("/disk.raw"), PullOptions.defaults(), e -> {});
        }
        base = image.baseDisks().get(0).path();
        vmDir = store.root.resolve("vms/4f1c2a9be07d");
    }

    @Test
    void overlayIsBackedByTheBaseAndTakesEveryWrite() {
        VmDisks disks = builder.build(image, spec("web-1", 4 * MIB), VmNetwork.none(), vmDir);

        Path overlay = vmDir.resolve("overlay.qcow2");
        Path seed = vmDir.resolve("cidata.img");
        assertEquals(
                List.of(
                        new Disk(overlay, DiskFormat.QCOW2, false, "cocoon-root", base),
                        new Disk(seed, DiskFormat.RAW, true, "cidata", null)),
                disks.disks());
        assertEquals("", disks.cmdline());

        String chain =
                Tools.run("qemu-img", "info", "--backing-chain", "--output=json", "-f", "qcow2", overlay.toString());
        assertTrue(chain.contains("\"backing-filename\": \"" + base + "\""), chain);
        assertTrue(chain.contains("\"backing-filename-format\": \"qcow2\""), chain);
        assertTrue(chain.contains("\"virtual-size\": " + 4 * MIB), chain);

        String baseDigest = Tools.sha256(base);
        Tools.run("qemu-io", "-f", "qcow2", "-c", "write -P 0xab 0 64k", overlay.toString());
        Tools.run("qemu-io", "-f", "qcow2", "-c", "read -P 0xab 0 64k", overlay.toString());
        Tools.run("qemu-io", "-f", "qcow2", "-c", "read -P 0 512k 64k", overlay.toString());
        assertEquals(baseDigest, Tools.sha256(base), "the base never changes");
    }

    @Test
    void aBootingClonesSeedHasItsOwnInstanceIdHostNameAndCardWhileAResumedOneKeepsTheCopy() throws Exception {
        List<Disk> source = builder.build(image, spec("web-1", 4 * MIB), VmNetwork.none(), vmDir)
                .disks();
        Path cloneDir = Files.createDirectories(store.root.resolve("vms/9a0b1c2d3e4f"));
        Path copiedSeed = Files.copy(vmDir.resolve("cidata.img"), cloneDir.resolve("cidata.img"));
        List<Disk> copied = List.of(source.get(0), new Disk(copiedSeed, DiskFormat.RAW, true, "cidata", null));
        Nic card = new Nic(
                Nic.Backend.USER, "52:54:00:9a:0b:1c", "10.0.2.15", 24, "10.0.2.2", List.of("10.0.2.3"), List.of(), "");

        assertEquals(copied, builder.forClone(copied, spec("web-2", 4 * MIB), VmNetwork.none(), cloneDir, false));
        assertEquals(
                "instance-id: \"cocoon-4f1c2a9be07d\"\nlocal-hostname: \"web-1\"\n",
                Tools.run("mtype", "-i", copiedSeed.toString(), "::meta-data"),
                "a resumed clone keeps the identity its memory holds");

        List<Disk> booting =
                builder.forClone(copied, spec("web-2", 4 * MIB), new VmNetwork("user", List.of(card)), cloneDir, true);

        assertEquals(copied, booting);
        assertEquals(
                "instance-id: \"cocoon-9a0b1c2d3e4f\"\nlocal-hostname: \"web-2\"\n",
                Tools.run("mtype", "-i", copiedSeed.toString(), "::meta-data"));
        assertTrue(Tools.run("mtype", "-i", copiedSeed.toString(), "::network-config")
                .contains("macaddress: \"52:54:00:9a:0b:1c\""));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(copiedSeed)));
    }

    @Test
    void aClonesOverlayIsRepointedAtTheBaseItsRecordNamesWhenImportedUnderAnotherRootDir() throws Exception {
        Disk overlay = builder.build(image, spec("web-1", 4 * MIB), VmNetwork.none(), vmDir)
                .disks()
                .get(0);
        Tools.run(
                "qemu-io",
                "-f",
                "qcow2",
                "-c",
                "write -P 0xcd 0 64k",
                overlay.path().toString());
        Path otherRoot = Files.createDirectories(dir.resolve("other-root/images"));
        Path movedBase = Files.copy(base, otherRoot.resolve(base.getFileName()));
        Path cloneDir = Files.createDirectories(dir.resolve("other-root/vms/9a0b1c2d3e4f"));
        Path copy = Files.copy(overlay.path(), cloneDir.resolve("overlay.qcow2"));
        Disk imported = new Disk(copy, DiskFormat.QCOW2, false, "cocoon-root", movedBase);

        assertEquals(
                List.of(imported),
                builder.forClone(List.of(imported), spec("web-2", 4 * MIB), VmNetwork.none(), cloneDir, false));

        String info = Tools.run("qemu-img", "info", "--output=json", "-f", "qcow2", copy.toString());
        assertTrue(info.contains("\"backing-filename\": \"" + movedBase + "\""), info);
        Tools.run("qemu-io", "-f", "qcow2", "-c", "read -P 0xcd 0 64k", copy.toString());
        Tools.run("qemu-io", "-f", "qcow2", "-c", "read -P 0 512k 64k", copy.toString());
    }

    @Test
    void overlayIsNeverSmallerThanTheBase() {
        builder.build(image, spec("tiny", MIB / 2), VmNetwork.none(), vmDir);

        String info = Tools.run(
                "qemu-img",
                "info",
                "--output=json",
                "-f",
                "qcow2",
                vmDir.resolve("overlay.qcow2").toString());
        assertTrue(info.contains("\"virtual-size\": " + MIB), info);
    }

    @Test
    void seedDiskOfAVmWithoutACardIsANoCloudVolumeWithExactlyMetaDataAndUserData() {
        builder.build(image, spec("web-1", 4 * MIB), VmNetwork.none(), vmDir);

        String seed = vmDir.resolve("cidata.img").toString();
        assertTrue(Tools.run("minfo", "-i", seed, "::").contains("disk type=\"FAT12   \""));
        assertEquals(" Volume label is cidata     \n", Tools.run("mlabel", "-s", "-i", seed, "::"));
        assertEquals("::/meta-data\n::/user-data\n", sortedLines(Tools.run("mdir", "-b", "-i", seed, "::")));
        assertEquals(
                "instance-id: \"cocoon-4f1c2a9be07d\"\nlocal-hostname: \"web-1\"\n",
                Tools.run("mtype", "-i", seed, "::meta-data"));
        assertEquals("""
                #cloud-config
                users:
                  - name: "alice"
                    shell: /bin/bash
                    sudo: "ALL=(ALL) NOPASSWD:ALL"
                    lock_passwd: false
                    plain_text_passwd: "s3cr\\"et\\\\"
                    ssh_authorized_keys:
                      - "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests alice@laptop"
                chpasswd:
                  expire: false
                """, Tools.run("mtype", "-i", seed, "::user-data"));
    }

    @Test
    void seedDiskOfAUserModeVmCarriesItsNetworkConfigMatchedByTheCardsMac() throws Exception {
        Nic card = new Nic(
                Nic.Backend.USER, "52:54:00:6f:1c:2a", "10.0.2.15", 24, "10.0.2.2", List.of("10.0.2.3"), List.of(), "");

        builder.build(image, spec("web-1", 4 * MIB), new VmNetwork("user", List.of(card)), vmDir);

        Path seed = vmDir.resolve("cidata.img");
        assertEquals(
                "::/meta-data\n::/network-config\n::/user-data\n",
                sortedLines(Tools.run("mdir", "-b", "-i", seed.toString(), "::")));
        String networkConfig = Tools.run("mtype", "-i", seed.toString(), "::network-config");
        assertTrue(networkConfig.contains("      macaddress: \"52:54:00:6f:1c:2a\"\n"), networkConfig);
        assertTrue(networkConfig.contains("      - \"10.0.2.15/24\"\n"), networkConfig);
        String userData = Tools.run("mtype", "-i", seed.toString(), "::user-data");
        assertTrue(userData.endsWith("""
                write_files:
                  - path: "/etc/resolv.conf"
                    permissions: "0644"
                    content: "nameserver 10.0.2.3\\n"
                """), userData);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(seed)));
    }

    @Test
    void overlayAndSeedAreReadableByTheirOwnerOnly() throws Exception {
        builder.build(image, spec("web-1", 4 * MIB), VmNetwork.none(), vmDir);

        String umask = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("Umask:"))
                .findFirst()
                .orElse("Umask: unknown");
        for (String disk : List.of("overlay.qcow2", "cidata.img")) {
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(vmDir.resolve(disk))),
                    disk + " under " + umask);
        }
    }

    @Test
    void removeDeletesTheOverlayAndSeedButNeverTheBase() {
        VmDisks disks = builder.build(image, spec("web-1", 4 * MIB), VmNetwork.none(), vmDir);
        List<Disk> all = new java.util.ArrayList<>(image.baseDisks());
        all.addAll(disks.disks());

        builder.remove(all);

        assertFalse(Files.exists(vmDir.resolve("overlay.qcow2")));
        assertFalse(Files.exists(vmDir.resolve("cidata.img")));
        assertTrue(Files.exists(base));
    }

    @Test
    void invalidUserNameLeavesNoDisksBehind() {
        VmSpec bad = new VmSpec(
                "web-1",
                1,
                256 * MIB,
                4 * MIB,
                "qemu",
                Map.of(),
                new VmSpec.CloudInit("Root Admin", "pw", List.of(), List.of()));

        assertThrows(InvalidInputException.class, () -> builder.build(image, bad, VmNetwork.none(), vmDir));

        assertFalse(Files.exists(vmDir.resolve("overlay.qcow2")));
        assertFalse(Files.exists(vmDir.resolve("cidata.img")));
    }

    private static VmSpec spec(String name, long storage) {
        return new VmSpec(
                name,
                1,
                256 * MIB,
                storage,
                "qemu",
                Map.of(),
                new VmSpec.CloudInit(
                        "alice",
                        "s3cr\"et\\",
                        List.of("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests alice@laptop"),
                        List.of()));
    }

    private static String sortedLines(String text) {
        return text.lines().sorted().map(line -> line + "\n").reduce("", String::concat);
    }
}
