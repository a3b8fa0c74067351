package cocoon.plugin.cloudimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.CocoonException;
import cocoon.api.InvalidInputException;
import cocoon.api.PullOptions;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a pull fails: one clear line for the user, and the store (blobs and index) as it was. */
class CloudImageFailureTest {

    @TempDir
    Path dir;

    private PullFixture store;
    private ImageServer server;
    private Map<String, String> before;

    @BeforeEach
    void storeWithOneImage() throws Exception {
        store = new PullFixture(dir, "30s", "2s");
        server = ImageServer.http();
        server.file("/good.raw", TestImages.raw(7), false);
        store.source.pull(server.url("/good.raw"), PullOptions.defaults(), e -> {});
        before = store.storeSnapshot();
        assertEquals(2, before.size());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void notFoundSaysHttp404() {
        server.notFound("/missing.raw");

        CocoonException e = pullFails("/missing.raw");

        assertEquals("GET " + server.url("/missing.raw") + ": HTTP 404", e.getMessage());
        assertStoreUnchangedAndTmpEmpty();
    }

    @Test
    void bodyShorterThanContentLengthIsRefusedAndKeptForResume() {
        server.truncated("/short.raw", TestImages.raw(8), 100_000);

        CocoonException e = pullFails("/short.raw");

        assertTrue(e.getMessage().contains("after 100000"), e.getMessage());
        assertEquals(before, store.storeSnapshot());
        assertEquals(100_000, partSize(), "the bytes that came are kept for a resume");
    }

    @Test
    void stalledBodyTimesOut() {
        server.slow("/slow.raw", 5000);

        CocoonException e = pullFails("/slow.raw");

        assertTrue(e.getMessage().contains("no data for 2 s after 0 bytes"), e.getMessage());
        assertStoreUnchangedAndTmpEmpty();
    }

    @Test
    void serverThatNeverAnswersTimesOut() {
        server.silent("/silent.raw", 5000);

        CocoonException e = pullFails("/silent.raw");

        assertTrue(e.getMessage().contains("no response from 127.0.0.1"), e.getMessage());
        assertStoreUnchangedAndTmpEmpty();
    }

    @Test
    void refusedConnectionSaysSo() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0)) {
            port = closed.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port + "/disk.raw";

        CocoonException e =
                assertThrows(CocoonException.class, () -> store.source.pull(url, PullOptions.defaults(), ev -> {}));

        assertEquals("GET " + url + ": cannot connect to 127.0.0.1:" + port + " (connection refused)", e.getMessage());
        assertStoreUnchangedAndTmpEmpty();
    }

    @Test
    void redirectLoopIsCutOff() {
        server.redirect("/loop", "/loop", 302);

        CocoonException e = pullFails("/loop");

        assertTrue(e.getMessage().endsWith("more than 3 redirects"), e.getMessage());
        assertStoreUnchangedAndTmpEmpty();
    }

    @Test
    void textFileIsNotADiskImage() {
        byte[] text = "<html>mirror moved</html>\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
        server.file("/index.html", text, false);

        CocoonException e = pullFails("/index.html");

        assertTrue(e instanceof NotADiskImageException, e.toString());
        assertTrue(e.getMessage().contains("is not a disk image"), e.getMessage());
        assertStoreUnchangedAndTmpEmpty();
    }

    @Test
    void sectorAlignedFileWithoutPartitionTableIsNotADiskImage() {
        server.file("/zeros.img", new byte[64 * 1024], false);

        assertTrue(pullFails("/zeros.img") instanceof NotADiskImageException);
        assertStoreUnchangedAndTmpEmpty();
    }

    @Test
    void qcow2WithABackingFileOnThisHostIsRefused() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "host data\n".repeat(1000));
        server.file("/backed.qcow2", new TestImages(dir).qcow2BackedBy(secret), false);

        CocoonException e = pullFails("/backed.qcow2");

        assertTrue(e instanceof UnsafeImageException, e.toString());
        assertTrue(e.getMessage().contains("backing file"), e.getMessage());
        assertStoreUnchangedAndTmpEmpty();
    }

    @Test
    void qcow2WithAnExternalDataFileIsRefused() throws Exception {
        Path secret = dir.resolve("data.raw");
        server.file("/data-file.qcow2", new TestImages(dir).qcow2WithDataFile(secret), false);

        CocoonException e = pullFails("/data-file.qcow2");

        assertTrue(e instanceof UnsafeImageException, e.toString());
        assertTrue(e.getMessage().contains("external data file"), e.getMessage());
        assertStoreUnchangedAndTmpEmpty();
    }

    @Test
    void vmdkDescriptorPointingAtHostFilesIsRefused() {
        String descriptor = """
                # Disk DescriptorFile
                version=1
                CID=fffffffe
                parentCID=ffffffff
                createType="monolithicFlat"
                RW 2048 FLAT "/etc/shadow" 0
                """;
        server.file("/flat.vmdk", descriptor.getBytes(StandardCharsets.UTF_8), false);

        CocoonException e = pullFails("/flat.vmdk");

        assertTrue(e instanceof UnsafeImageException, e.toString());
        assertStoreUnchangedAndTmpEmpty();
    }

    @Test
    void urlThatIsNotHttpIsInvalidInput() {
        assertThrows(InvalidInputException.class, () -> store.source.pull("http://", PullOptions.defaults(), e -> {}));
        assertFalse(store.source.handles("file:///etc/passwd"));
        assertFalse(store.source.handles("docker.io/library/debian:12"));
        assertTrue(store.source.handles("https://cloud.debian.org/images/debian-12-genericcloud-amd64.qcow2"));
        assertTrue(store.source.handles("HTTP://example.org/disk.img"));
    }

    private CocoonException pullFails(String path) {
        CocoonException e = assertThrows(
                CocoonException.class, () -> store.source.pull(server.url(path), PullOptions.defaults(), ev -> {}));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertFalse(e.hint() == null || e.hint().isBlank());
        return e;
    }

    private long partSize() {
        try (var files = Files.list(store.root.resolve("tmp"))) {
            Path part = files.filter(f -> f.toString().endsWith(".part"))
                    .findFirst()
                    .orElseThrow();
            return Files.size(part);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void assertStoreUnchangedAndTmpEmpty() {
        assertEquals(before, store.storeSnapshot());
        assertEquals(0, store.tmpFiles(), "nothing left in tmp/");
    }
}
