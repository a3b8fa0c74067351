package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.oci.testing.RegistryFixture;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disk-only snapshots of two VMs of the UEFI cloud demo (guest/build-cloud-demo.sh, served over HTTP) pushed to the
 * local registry: the first push sends the cloud image's base as a blob, the second finds it there and sends only its
 * own seed. With VMs, snapshots, image and base gone, {@code snapshot pull} lands the base in the cloud image store as
 * if pulled from its URL, and a clone of the pulled snapshot boots under QEMU with its own host name. An export carries
 * the base to a root that never pulled the image, unless {@code --without-base} leaves it out.
 */
class CloudSnapshotTransferTest {

    private static final String QCOW2 = "/cloud-demo.qcow2";
    /** UEFI under TCG reaches the banner in 11-50 s on a loaded 2-core machine; this leaves room for worse. */
    private static final Duration BANNER_TIMEOUT = Duration.ofMinutes(4);

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static ImageHttpServer server;
    private static RegistryFixture registry;
    private static CocoonCli cocoon;

    @BeforeAll
    static void serveTheCloudDemoAndARegistry() throws Exception {
        Path qcow2 = dir.resolve("cloud-demo.qcow2");
        GuestFixture.exec(
                Duration.ofMinutes(15),
                CocoonCli.REPO.resolve("guest/build-cloud-demo.sh").toString(),
                qcow2.toString());
        server = ImageHttpServer.start(Map.of(QCOW2, qcow2));
        registry = RegistryFixture.start(Files.createDirectories(dir.resolve("registry")));
        cocoon = new CocoonCli(dir.resolve("state"));
    }

    @AfterAll
    static void removeTheCloneAndStop() {
        try {
            if (cocoon != null) {
                cocoon.run(Duration.ofMinutes(2), null, "rm", "--force", "moved");
            }
        } finally {
            if (server != null) {
                server.close();
            }
            if (registry != null) {
                registry.close();
            }
        }
    }

    @Test
    void theBaseIsPushedOnceAndAPullAfterGcOfEverythingLandsItForACloneThatBoots() throws Exception {
        String url = server.url(QCOW2);
        cocoon.run("pull", "--quiet", url).ok();
        String digest = images().get(url);
        for (String vm : List.of("first", "second")) {
            cocoon.run("create", "--network", "none", "--name", vm, "--hypervisor", "qemu", "--memory", "512M", url)
                    .ok();
            cocoon.run("snapshot", "save", vm, "--name", vm + "-cold").ok();
        }
        String repository = registry.host() + "/cocoon/cloud-snapshot";

        CocoonCli.Run first = cocoon.run("snapshot", "push", "first-cold", repository + ":first")
                .ok();
        Path layers = registryStorage().resolve("repositories/cocoon/cloud-snapshot/_layers/sha256");
        String base = largestBlob(layers);
        FileTime uploaded = Files.getLastModifiedTime(layers.resolve(base).resolve("link"));
        CocoonCli.Run second = cocoon.run("snapshot", "push", "second-cold", repository + ":second")
                .ok();

        // Overlay, seed and base; the second VM's seed names it, its overlay may be the same empty one.
        assertTrue(first.err().contains("cocoon: sent 3 of 3 blobs"), first.err());
        assertTrue(second.err().matches("(?s).*cocoon: sent [12] of 3 blobs.*"), second.err());
        assertEquals(
                uploaded,
                Files.getLastModifiedTime(layers.resolve(base).resolve("link")),
                "an upload would have written the base's link in the repository again");
        assertTrue(
                blobSize(base) > Files.size(dir.resolve("cloud-demo.qcow2")) / 2,
                "the largest blob is the base: " + blobSize(base) + " bytes");

        cocoon.run("rm", "first", "second").ok();
        cocoon.run("snapshot", "rm", "first-cold", "second-cold").ok();
        cocoon.run("delete", url).ok();
        cocoon.run("gc", "--horizon", "0s").ok();
        assertEquals(Map.of(), images());
        assertEquals(List.of(), children(cocoon.root().resolve("images/cloudimg/blobs")));

        long start = System.nanoTime();
        CocoonCli.Run pulled =
                cocoon.run("snapshot", "pull", repository + ":second").ok();
        GuestFixture.report("snapshot pull with base", start);
        assertTrue(pulled.out().startsWith("second-cold "), pulled.out());
        assertEquals(Map.of(url, digest), images(), "the base is listed as the image pulled from its URL");

        cocoon.run("clone", "second-cold", "--name", "moved").ok();
        Path consoleLog = Path.of(
                        JSON.readTree(cocoon.run("inspect", "moved").ok().out())
                                .at("/paths/logDir")
                                .asText())
                .resolve("console.log");
        GuestFixture.await(
                BANNER_TIMEOUT,
                () -> "the clone did not boot within " + BANNER_TIMEOUT + ":\n"
                        + GuestFixture.tail(read(consoleLog), 40),
                () -> read(consoleLog).contains("Cocoon cloud demo ready: hostname=moved"));
        assertTrue(cocoon.run("delete", url).exit() != 0, "the pulled snapshot keeps its image from being deleted");
    }

    @Test
    void anExportCarriesTheBaseToAHostThatNeverPulledTheImageUnlessItIsLeftOut() throws Exception {
        CocoonCli here = new CocoonCli(dir.resolve("exporting"));
        String url = server.url(QCOW2);
        here.run("pull", "--quiet", url).ok();
        here.run("create", "--network", "none", "--name", "source", "--hypervisor", "qemu", url)
                .ok();
        here.run("snapshot", "save", "source", "--name", "cold").ok();
        Path whole = dir.resolve("cold.tar");
        Path slim = dir.resolve("cold-slim.tar");
        here.run("snapshot", "export", "cold", "-o", whole.toString()).ok();
        here.run("snapshot", "export", "cold", "--without-base", "-o", slim.toString())
                .ok();

        CocoonCli elsewhere = new CocoonCli(dir.resolve("elsewhere"));
        CocoonCli.Run imported =
                elsewhere.run("snapshot", "import", whole.toString()).ok();
        CocoonCli.Run refused = new CocoonCli(dir.resolve("bare")).run("snapshot", "import", slim.toString());

        assertTrue(imported.out().startsWith("cold "), imported.out());
        assertTrue(
                elsewhere.run("list").ok().out().lines().anyMatch(line -> line.startsWith(url + " ")),
                "the base is stored as the image pulled from its URL");
        assertTrue(Files.size(slim) < Files.size(whole) / 4, Files.size(slim) + " vs " + Files.size(whole) + " bytes");
        assertEquals(1, refused.exit(), refused.err());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        assertTrue(refused.err().contains("run cocoon pull " + url + ", then import again"), refused.err());
        here.run("rm", "source").ok();
    }

    private static Path registryStorage() {
        return dir.resolve("registry/storage/docker/registry/v2");
    }

    /** The hex digest of the repository's largest blob. */
    private static String largestBlob(Path layers) throws IOException {
        return children(layers).stream()
                .map(link -> link.getFileName().toString())
                .max(Comparator.comparingLong(CloudSnapshotTransferTest::blobSize))
                .orElseThrow();
    }

    private static long blobSize(String hex) {
        try {
            return Files.size(registryStorage().resolve("blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data"));
        } catch (IOException e) {
            throw new AssertionError(e);
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

    private static List<Path> children(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.toList();
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
