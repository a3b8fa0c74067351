package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A root dir that runs out of space under a real {@code cocoon pull} of a cloud image and a real
 * {@code cocoon create}: the root dir is a small tmpfs the test fills. The user sees one line and
 * exit 1, never an internal error, and the store holds nothing half-written; once space is freed
 * the same commands succeed.
 */
class FullDiskTest {

    private static final long MIB = 1L << 20;
    /** Random bytes do not compress: the qcow2 made from this raw image is as large as the image. */
    private static final int IMAGE_BYTES = (int) (8 * MIB);

    private static final String IMAGE = "/random.raw";

    @TempDir
    Path dir;

    private CocoonCli cocoon;
    private Path root;
    private boolean mounted;
    private ImageHttpServer server;

    @BeforeEach
    void mountASmallRootDirAndServeAnImage() throws Exception {
        assumeTrue(
                isRoot(),
                "mounting a tmpfs as the root dir needs root; run the e2e suite as root to prove the full-disk case");
        cocoon = new CocoonCli(dir);
        // min_free keeps 1G free by default; a 32M file system would be refused before any byte is written.
        cocoon.config("[cloudimg]\nmin_free = \"0\"\n");
        root = cocoon.root();
        Files.createDirectories(root);
        exec("mount", "-t", "tmpfs", "-o", "size=32m,mode=0755", "tmpfs", root.toString());
        mounted = true;
        server = ImageHttpServer.start(Map.of(IMAGE, rawImage(dir.resolve("random.raw"))));
    }

    @AfterEach
    void unmount() throws Exception {
        if (server != null) {
            server.close();
        }
        if (mounted) {
            exec("umount", root.toString());
        }
    }

    @Test
    void aPullThatFillsTheDiskIsOneLineAndLeavesTheStoreAsItWas() throws Exception {
        // Room for the download (8M) but not for its conversion to qcow2 (8M more).
        Path filler = fill(12 * MIB);
        String url = server.url(IMAGE);

        CocoonCli.Run full = cocoon.run("pull", "--quiet", url);

        assertEquals(1, full.exit(), full.err());
        assertEquals("cocoon: no space left on " + root.resolve("tmp") + ": free space (cocoon gc)\n", full.err());
        assertEquals(List.of(), files(root.resolve("tmp")), "the download and the half-converted image are gone");
        assertEquals(List.of(), files(root.resolve("images/cloudimg/blobs")), "no base was committed");
        assertFalse(cocoon.run("list").ok().out().contains(url), "no image was recorded");

        Files.delete(filler);
        cocoon.run("pull", "--quiet", url).ok();
        assertTrue(cocoon.run("list").ok().out().contains(url));
    }

    @Test
    void aCreateOnAFullDiskIsOneLineAndLeavesNoVm() throws Exception {
        String url = server.url(IMAGE);
        cocoon.run("pull", "--quiet", url).ok();
        Path filler = fill(0);

        CocoonCli.Run full = cocoon.run("create", "--network", "none", "--name", "web1", "--hypervisor", "qemu", url);

        assertEquals(1, full.exit(), full.err());
        assertTrue(
                full.err()
                        .matches("cocoon: no space left on \\Q" + root.resolve("vms")
                                + "\\E/[0-9a-f]+: free space \\(cocoon gc\\)\n"),
                full.err());
        assertEquals(List.of(), files(root.resolve("vms")), "no VM folder, disk or record is left");
        assertEquals(1, cocoon.run("ps").ok().out().lines().count(), "ps lists no VM");

        Files.delete(filler);
        cocoon.run("create", "--network", "none", "--name", "web1", "--hypervisor", "qemu", url)
                .ok();
        cocoon.run("rm", "web1").ok();
    }

    /** Fills the root dir until {@code leave} bytes are free (0: until a write fails); the filler file. */
    private Path fill(long leave) throws IOException {
        Path filler = root.resolve("filler");
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            long toWrite = leave > 0 ? Files.getFileStore(root).getUsableSpace() - leave : Long.MAX_VALUE;
            for (long written = 0; written < toWrite; written += chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, toWrite - written));
            }
        } catch (IOException full) {
            assertTrue(leave == 0, "the file system filled before " + leave + " bytes were left: " + full);
        }
        return filler;
    }

    /** A raw disk image: a boot sector with the 0x55AA signature, then random bytes. */
    private static Path rawImage(Path file) throws IOException {
        byte[] bytes = new byte[IMAGE_BYTES];
        new Random(42).nextBytes(bytes);
        Arrays.fill(bytes, 0, 510, (byte) 0);
        // An MBR whose first entry is an EFI system partition (type 0xEF): create refuses a cloud image without one.
        bytes[446 + 4] = (byte) 0xef;
        bytes[510] = 0x55;
        bytes[511] = (byte) 0xaa;
        return Files.write(file, bytes);
    }

    private static List<Path> files(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(p -> !p.equals(folder)).sorted().toList();
        }
    }

    private static boolean isRoot() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .anyMatch(line -> line.matches("Uid:\\s+0\\s.*"));
    }

    private static void exec(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(1, TimeUnit.MINUTES), String.join(" ", command) + " hung");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
    }
}
