package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.oci.testing.RegistryFixture;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A memory snapshot of the demo guest under QEMU (TCG) moved through {@code snapshot export} and {@code snapshot
 * import}: with the snapshot, its VM and its image gone, an import while the registry lacks the image names the pull
 * by digest and stores nothing; once the registry has it again the import fetches the image by digest itself, and the
 * imported snapshot clones into a VM that shows the guest's memory marker without a boot; an import killed half-way
 * is never listed and gc removes what it left. Then through the local registry: {@code snapshot push} sends the
 * snapshot's own files but none of the image's layers, and with snapshot and image gone {@code snapshot pull} brings
 * both back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SnapshotExportGuestTest {

    private static final String VM = "source";
    private static final String WRITE_MARKERS =
            "echo $((6*7))-mem > /tmp/mem-marker; echo $((6*7))-disk > /root/disk-marker; sync\n";
    private static final String READ_MARKERS = "cat /tmp/mem-marker /root/disk-marker\n";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static GuestFixture guest;
    private static CocoonCli cocoon;
    private static Path export;
    private static Path registryStorage;
    /** The demo image's manifest digest, by which a snapshot names it. */
    private static String demoDigest;

    @BeforeAll
    static void bootTheSource(@TempDir Path dir) throws Exception {
        guest = GuestFixture.start(dir);
        cocoon = guest.cocoon();
        export = dir.resolve("warm.tar");
        registryStorage = dir.resolve("registry/storage/docker/registry/v2");
        guest.bootDemo(VM);
    }

    @AfterAll
    static void removeEverything() {
        if (guest != null) {
            guest.close();
        }
    }

    private static List<Path> snapshotFolders() throws IOException {
        Path dir = cocoon.root().resolve("snapshots");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> folders = Files.list(dir)) {
            return folders.toList();
        }
    }

    /** The pulled images, reference to digest, as {@code cocoon list} shows them. */
    private static Map<String, String> images() throws IOException {
        Map<String, String> images = new TreeMap<>();
        JSON.readTree(cocoon.run("list", "--format", "json").ok().out())
                .forEach(image -> images.put(
                        image.get("reference").asText(), image.get("digest").asText()));
        return images;
    }

    private static String demoByDigest() {
        return guest.image().replace(":latest", "@" + demoDigest);
    }

    @Test
    @Order(1)
    void aMemorySnapshotIsExportedAndEverythingItCameFromRemoved() throws IOException {
        demoDigest = images().get(guest.image());
        String out = guest.pipe(VM, WRITE_MARKERS + READ_MARKERS);
        assertTrue(out.contains("42-mem") && out.contains("42-disk"), out);
        cocoon.run("snapshot", "save", VM, "--name", "warm").ok();

        long start = System.nanoTime();
        cocoon.run("snapshot", "export", "warm", "-o", export.toString()).ok();
        GuestFixture.report("snapshot export (256M guest)", start);
        // The memory state and the data written to the disk, not the disk's holes.
        assertTrue(Files.size(export) < 1L << 30, "export of " + Files.size(export) + " bytes");

        cocoon.run("snapshot", "rm", "warm").ok();
        cocoon.run(Duration.ofMinutes(2), null, "rm", "--force", VM).ok();
        cocoon.run("delete", guest.image()).ok();
        cocoon.run("gc", "--horizon", "0s").ok();
        assertEquals(List.of(), guest.snapshotNames());
    }

    @Test
    @Order(2)
    void anImportWhileTheRegistryLacksTheImageNamesThePullByDigestAndStoresNothing() throws IOException {
        // The registry reads its storage on every request (no cache configured): a repository moved aside is gone.
        Path repository = registryStorage.resolve("repositories/cocoon/demo");
        Path aside = registryStorage.resolve("repositories/cocoon/demo-aside");
        Files.move(repository, aside);
        CocoonCli.Run refused;
        try {
            refused = cocoon.run("snapshot", "import", export.toString());
        } finally {
            Files.move(aside, repository);
        }

        assertEquals(1, refused.exit(), refused.err());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertTrue(refused.err().contains("run cocoon pull " + demoByDigest()), refused.err());
        assertEquals(List.of(), snapshotFolders());
        assertEquals(Map.of(), images());
    }

    @Test
    @Order(3)
    void theImportFetchesTheImageByDigestAndItsSnapshotClonesIntoAVmWithTheMemoryMarkerAndNoBoot() throws IOException {
        long start = System.nanoTime();
        CocoonCli.Run imported =
                cocoon.run("snapshot", "import", export.toString()).ok();
        GuestFixture.report("snapshot import + image by digest", start);
        assertTrue(imported.out().startsWith("warm "), imported.out());
        assertEquals(Map.of(demoByDigest(), demoDigest), images());
        JsonNode snapshot =
                JSON.readTree(cocoon.run("snapshot", "inspect", "warm").ok().out());
        assertTrue(
                snapshot.at("/snapshot/memoryState")
                        .asText()
                        .startsWith(snapshot.get("folder").asText() + "/"),
                snapshot.toString());

        cocoon.run("clone", "warm", "--name", "moved").ok();
        guest.remember("moved");

        assertEquals("running", guest.state("moved"));
        String out = guest.pipe("moved", READ_MARKERS);
        assertTrue(out.contains("42-mem") && out.contains("42-disk"), out);
        String console = guest.console("moved");
        assertFalse(console.contains("Linux version"), "the clone did not boot a kernel: " + console);
        assertFalse(console.contains(GuestFixture.BANNER), "the clone did not boot: " + console);
    }

    @Test
    @Order(4)
    void anImportKilledHalfWayIsNeverListedAndGcRemovesWhatItLeft() throws Exception {
        List<Path> before = snapshotFolders();
        Process importing = cocoon.spawn("snapshot", "import", export.toString(), "--name", "killed");
        // Polled tightly: the folder exists for well under a second of a 256M guest's import.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (snapshotFolders().size() == before.size() && importing.isAlive() && System.nanoTime() < deadline) {
            GuestFixture.sleep(2);
        }
        assertTrue(importing.isAlive(), "the import ended before it could be killed");
        CocoonCli.kill(importing);

        assertFalse(
                guest.snapshotNames().contains("killed"), "a killed import is not listed: " + guest.snapshotNames());
        assertEquals(before.size() + 1, snapshotFolders().size(), "the killed import left its folder");
        cocoon.run("gc", "--horizon", "0s").ok();
        assertEquals(before, snapshotFolders());
        assertEquals(List.of("warm"), guest.snapshotNames());
    }

    @Test
    @Order(5)
    void aPushedSnapshotSendsItsOwnFilesButNotTheImageLayers() throws IOException {
        String reference = guest.image().replace("cocoon/demo:latest", "cocoon/warm-snapshot:v1");

        CocoonCli.Run pushed = cocoon.run("snapshot", "push", "warm", reference).ok();

        assertTrue(pushed.err().contains("holds the guest's memory"), "push warns of the secrets: " + pushed.err());
        assertTrue(pushed.out().startsWith(reference + " sha256:"), pushed.out());
        // The registry keeps a link per blob uploaded to (or mounted into) a repository: the artifact's repository
        // holds its config and its own files, none of the demo image's layers.
        List<String> received = new ArrayList<>();
        try (Stream<Path> links =
                Files.list(registryStorage.resolve("repositories/cocoon/warm-snapshot/_layers/sha256"))) {
            links.forEach(link -> received.add(link.getFileName().toString()));
        }
        for (RegistryFixture.Layer layer : guest.demoLayers()) {
            assertFalse(received.contains(layer.hex()), "the image layer " + layer.hex() + " was sent: " + received);
        }
        JsonNode snapshot =
                JSON.readTree(cocoon.run("snapshot", "inspect", "warm").ok().out());
        long files;
        try (Stream<Path> walk = Files.walk(Path.of(snapshot.get("folder").asText()))) {
            files = walk.filter(Files::isRegularFile).count() - 1;
        }
        assertEquals(files + 1, received.size(), "one blob per file and the config: " + received);
        assertTrue(pushed.err().contains("cocoon: sent " + files + " of " + files + " blobs"), pushed.err());
    }

    @Test
    @Order(6)
    void aPulledSnapshotBringsItsImageBackByDigestAndClonesIntoAVmWithTheMemoryMarker() throws IOException {
        String reference = guest.image().replace("cocoon/demo:latest", "cocoon/warm-snapshot:v1");
        cocoon.run(Duration.ofMinutes(2), null, "rm", "--force", "moved").ok();
        cocoon.run("snapshot", "rm", "warm").ok();
        cocoon.run("delete", demoByDigest()).ok();
        cocoon.run("gc", "--horizon", "0s").ok();
        assertEquals(List.of(), guest.snapshotNames());
        assertEquals(Map.of(), images());

        long start = System.nanoTime();
        CocoonCli.Run pulled = cocoon.run("snapshot", "pull", reference).ok();
        GuestFixture.report("snapshot pull + image by digest", start);
        assertTrue(pulled.out().startsWith("warm "), pulled.out());
        assertEquals(Map.of(demoByDigest(), demoDigest), images());

        cocoon.run("clone", "warm", "--name", "pulled").ok();
        guest.remember("pulled");
        String out = guest.pipe("pulled", READ_MARKERS);
        assertTrue(out.contains("42-mem") && out.contains("42-disk"), out);
        assertFalse(guest.console("pulled").contains("Linux version"), "the clone did not boot a kernel");
    }

    @Test
    @Order(7)
    void aPullKilledHalfWayIsNeverListedAndGcRemovesWhatItLeft() throws Exception {
        String reference = guest.image().replace("cocoon/demo:latest", "cocoon/warm-snapshot:v1");
        List<Path> before = snapshotFolders();
        Process pulling = cocoon.spawn("snapshot", "pull", reference, "--name", "killed-pull");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (snapshotFolders().size() == before.size() && pulling.isAlive() && System.nanoTime() < deadline) {
            GuestFixture.sleep(2);
        }
        assertTrue(pulling.isAlive(), "the pull ended before it could be killed");
        CocoonCli.kill(pulling);

        assertFalse(
                guest.snapshotNames().contains("killed-pull"), "a killed pull is not listed: " + guest.snapshotNames());
        cocoon.run("gc", "--horizon", "0s").ok();
        assertEquals(before, snapshotFolders());
    }
}
