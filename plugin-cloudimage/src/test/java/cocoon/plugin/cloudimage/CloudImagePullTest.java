package cocoon.plugin.cloudimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.BootSpec;
import cocoon.api.DigestMismatchException;
import cocoon.api.DiskFormat;
import cocoon.api.Image;
import cocoon.api.NotFoundException;
import cocoon.api.ProgressEvent;
import cocoon.api.PullOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CloudImagePullTest {

    @TempDir
    Path dir;

    private PullFixture store;
    private ImageServer server;
    private final byte[] raw = TestImages.raw(1);

    @BeforeEach
    void start() throws Exception {
        store = new PullFixture(dir);
        server = ImageServer.http();
        server.file("/disk.raw", raw, false);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void rawImageBecomesAQcow2BaseNamedByTheDigestOfTheDownload() {
        List<ProgressEvent> events = new ArrayList<>();
        Image image = store.source.pull(server.url("/disk.raw"), PullOptions.defaults(), events::add);

        String hex = Tools.sha256(raw);
        Path base = store.blobs().resolve(hex + ".qcow2");
        assertEquals("cloudimg", image.kind());
        assertEquals(server.url("/disk.raw"), image.reference());
        assertEquals("sha256:" + hex, image.digest());
        assertEquals(BootSpec.firmware(), image.boot());
        assertEquals(1, image.baseDisks().size());
        assertEquals(base, image.baseDisks().get(0).path());
        assertEquals(DiskFormat.QCOW2, image.baseDisks().get(0).format());
        assertTrue(image.baseDisks().get(0).readOnly());
        assertTrue(Tools.run("qemu-img", "info", "--output=json", "-f", "qcow2", base.toString())
                .contains("\"virtual-size\": " + TestImages.SIZE));
        Path served = writeTemp(raw);
        Tools.run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", served.toString(), base.toString());
        assertEquals(List.of(image), store.source.list());
        assertEquals(java.util.Set.of(base), store.source.inUse());
        assertEquals(java.util.Set.of(base), store.source.files());
        assertEquals(0, store.tmpFiles());

        assertEquals(ProgressEvent.started("disk.raw", TestImages.SIZE), events.get(0));
        assertTrue(events.contains(ProgressEvent.done("disk.raw", TestImages.SIZE, "sha256:" + hex)));
        assertTrue(events.stream().anyMatch(e -> e.detail().contains("converting raw to qcow2")));
    }

    @Test
    void indexRecordsUrlDigestSizesFormatAndValidators() throws Exception {
        store.source.pull(server.url("/disk.raw"), PullOptions.defaults(), e -> {});

        String index = Files.readString(store.index());
        assertTrue(index.contains("\"" + server.url("/disk.raw") + "\""), index);
        assertTrue(index.contains("\"digest\" : \"sha256:" + Tools.sha256(raw) + "\""), index);
        assertTrue(index.contains("\"sourceFormat\" : \"raw\""), index);
        assertTrue(index.contains("\"downloadBytes\" : " + TestImages.SIZE), index);
        assertTrue(index.contains("\"virtualSize\" : " + TestImages.SIZE), index);
        assertTrue(index.contains("\"etag\" : \"\\\""), index);
        assertTrue(index.contains("\"lastModified\" : \"Tue, 24 Nov 2026 10:00:00 GMT\""), index);
    }

    @Test
    void qcow2ImageIsStoredExactlyAsServed() throws Exception {
        byte[] qcow2 = new TestImages(dir).convert(raw, "qcow2");
        server.file("/disk.qcow2", qcow2, false);

        Image image = store.source.pull(server.url("/disk.qcow2"), PullOptions.defaults(), e -> {});

        Path base = image.baseDisks().get(0).path();
        assertEquals(Tools.sha256(qcow2), Tools.sha256(base));
        assertTrue(Files.readString(store.index()).contains("\"sourceFormat\" : \"qcow2\""));
        assertEquals(
                "r--------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(base)),
                "a committed base is read-only");
    }

    @Test
    void vmdkImageIsConvertedToQcow2() throws Exception {
        byte[] vmdk = new TestImages(dir).convert(raw, "vmdk");
        server.file("/disk.vmdk", vmdk, false);

        Image image = store.source.pull(server.url("/disk.vmdk"), PullOptions.defaults(), e -> {});

        Path base = image.baseDisks().get(0).path();
        assertEquals("sha256:" + Tools.sha256(vmdk), image.digest());
        assertTrue(Tools.run("qemu-img", "info", "-f", "qcow2", base.toString()).contains("file format: qcow2"));
        Tools.run(
                "qemu-img",
                "compare",
                "-f",
                "raw",
                "-F",
                "qcow2",
                writeTemp(raw).toString(),
                base.toString());
        assertTrue(Files.readString(store.index()).contains("\"sourceFormat\" : \"vmdk\""));
    }

    @Test
    void redirectsAreFollowedAndTheImageKeepsTheUrlTheUserTyped() {
        server.redirect("/latest", server.url("/disk.raw"), 302);
        server.redirect("/moved", "/latest", 301);

        Image image = store.source.pull(server.url("/moved"), PullOptions.defaults(), e -> {});

        assertEquals(server.url("/moved"), image.reference());
        assertEquals("sha256:" + Tools.sha256(raw), image.digest());
    }

    @Test
    void pullingAgainAsksWithTheStoredEtagAndTransfersNothing() {
        Image first = store.source.pull(server.url("/disk.raw"), PullOptions.defaults(), e -> {});
        long sent = server.bodyBytesSent();
        Map<String, String> before = store.storeSnapshot();

        Image second = store.source.pull(server.url("/disk.raw"), PullOptions.defaults(), e -> {});

        assertEquals(first, second);
        assertEquals(sent, server.bodyBytesSent(), "no body bytes on the second pull");
        ImageServer.Request repull = server.requests("/disk.raw").get(1);
        assertTrue(repull.header("If-None-Match").startsWith("\""));
        assertEquals("Tue, 24 Nov 2026 10:00:00 GMT", repull.header("If-Modified-Since"));
        assertEquals(before, store.storeSnapshot());
        assertEquals(0, store.tmpFiles());
    }

    @Test
    void forceDownloadsAgainWithoutAskingTheServer() {
        store.source.pull(server.url("/disk.raw"), PullOptions.defaults(), e -> {});
        long sent = server.bodyBytesSent();

        Image again =
                store.source.pull(server.url("/disk.raw"), new PullOptions(false, true, null, null, null), e -> {});

        assertEquals(sent + raw.length, server.bodyBytesSent());
        assertNull(server.requests("/disk.raw").get(1).header("If-None-Match"));
        assertEquals("sha256:" + Tools.sha256(raw), again.digest());
        assertEquals(
                1,
                store.storeSnapshot().keySet().stream()
                        .filter(f -> f.startsWith("blobs/"))
                        .count());
    }

    @Test
    void twoUrlsServingTheSameBytesShareOneBase() {
        server.file("/mirror/disk.raw", raw, false);

        Image first = store.source.pull(server.url("/disk.raw"), PullOptions.defaults(), e -> {});
        Image second = store.source.pull(server.url("/mirror/disk.raw"), PullOptions.defaults(), e -> {});

        assertEquals(first.baseDisks(), second.baseDisks());
        assertEquals(2, store.source.list().size());
        assertEquals(1, store.source.files().size());
    }

    @Test
    void checksumOptionIsVerifiedBeforeTheImageIsAccepted() {
        String good = "sha256:" + Tools.sha256(raw);
        String bad = "sha256:" + Tools.sha256(new byte[1]);

        DigestMismatchException mismatch = assertThrows(
                DigestMismatchException.class,
                () -> store.source.pull(
                        server.url("/disk.raw"), new PullOptions(false, false, bad, null, null), e -> {}));
        assertTrue(mismatch.getMessage().contains("expected " + bad), mismatch.getMessage());
        assertEquals(Map.of(), store.storeSnapshot());
        assertEquals(0, store.tmpFiles());

        Image image =
                store.source.pull(server.url("/disk.raw"), new PullOptions(false, false, good, null, null), e -> {});
        assertEquals(good, image.digest());
    }

    @Test
    void checksumFileIsMatchedByTheFileNameOfTheUrl() {
        String sums = Tools.sha256(new byte[3]) + "  other.raw\n" + Tools.sha256(raw) + " *disk.raw\n";
        server.file("/SHA256SUMS", sums.getBytes(StandardCharsets.UTF_8), false);
        server.file("/WRONGSUMS", (Tools.sha256(new byte[2]) + "  disk.raw\n").getBytes(StandardCharsets.UTF_8), false);
        server.file("/OTHERSUMS", (Tools.sha256(raw) + "  other.raw\n").getBytes(StandardCharsets.UTF_8), false);

        Image image = store.source.pull(
                server.url("/disk.raw"), new PullOptions(false, false, null, server.url("/SHA256SUMS"), null), e -> {});
        assertEquals("sha256:" + Tools.sha256(raw), image.digest());

        PullFixture fresh = new PullFixture(dir.resolve("fresh"));
        assertThrows(
                DigestMismatchException.class,
                () -> fresh.source.pull(
                        server.url("/disk.raw"),
                        new PullOptions(false, false, null, server.url("/WRONGSUMS"), null),
                        e -> {}));
        NotFoundException unlisted = assertThrows(
                NotFoundException.class,
                () -> fresh.source.pull(
                        server.url("/disk.raw"),
                        new PullOptions(false, false, null, server.url("/OTHERSUMS"), null),
                        e -> {}));
        assertTrue(unlisted.getMessage().contains("lists no sha256 for disk.raw"), unlisted.getMessage());
        assertEquals(Map.of(), fresh.storeSnapshot());
    }

    @Test
    void deleteDropsTheIndexEntryAndLeavesTheBaseForTheCollector() {
        Image image = store.source.pull(server.url("/disk.raw"), PullOptions.defaults(), e -> {});

        store.source.delete(image);

        assertEquals(List.of(), store.source.list());
        assertEquals(java.util.Set.of(), store.source.inUse());
        assertEquals(java.util.Set.of(image.baseDisks().get(0).path()), store.source.files());
        assertThrows(NotFoundException.class, () -> store.source.delete(image));
    }

    private Path writeTemp(byte[] bytes) {
        try {
            return Files.write(Files.createTempFile(dir, "served", ".img"), bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
