package cocoon.plugin.cloudimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.CocoonException;
import cocoon.api.Image;
import cocoon.api.ProgressEvent;
import cocoon.api.PullOptions;
import cocoon.plugin.cloudimage.download.PartFile;
import cocoon.plugin.cloudimage.download.PartialValidators;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumeTest {

    @TempDir
    Path dir;

    @Test
    void interruptedDownloadResumesWithARangeRequestAndEndsWithTheRightDigest() throws Exception {
        PullFixture store = new PullFixture(dir, "30s", "2s");
        byte[] raw = TestImages.raw(3);
        int cut = 300 * 1024;
        try (ImageServer server = ImageServer.http()) {
            server.stallingOnce("/disk.raw", raw, cut, 5000, true);
            String url = server.url("/disk.raw");

            CocoonException stalled =
                    assertThrows(CocoonException.class, () -> store.source.pull(url, PullOptions.defaults(), e -> {}));
            assertTrue(stalled.getMessage().contains("after " + cut + " bytes"), stalled.getMessage());
            assertEquals(Map.of(), store.storeSnapshot());

            List<ProgressEvent> events = new ArrayList<>();
            Image image = store.source.pull(url, PullOptions.defaults(), events::add);

            List<ImageServer.Request> requests = server.requests("/disk.raw");
            assertEquals(2, requests.size());
            assertNull(requests.get(0).header("Range"));
            assertEquals("bytes=" + cut + "-", requests.get(1).header("Range"));
            assertEquals(
                    requests.get(1).header("If-Range"),
                    '"' + Integer.toHexString(java.util.Arrays.hashCode(raw)) + '"');
            assertEquals(raw.length, server.bodyBytesSent(), "each byte crossed the wire once");
            assertEquals("sha256:" + Tools.sha256(raw), image.digest());
            assertTrue(events.contains(ProgressEvent.progress("disk.raw", cut, raw.length)));
            assertEquals(0, store.tmpFiles());
        }
    }

    @Test
    void wholeDownloadLeftByAKilledPullIsUsedWithoutFetchingItAgain() throws Exception {
        PullFixture store = new PullFixture(dir, "30s", "2s");
        byte[] raw = TestImages.raw(5);
        try (ImageServer server = ImageServer.http()) {
            server.file("/disk.raw", raw, true);
            String url = server.url("/disk.raw");
            String etag = '"' + Integer.toHexString(java.util.Arrays.hashCode(raw)) + '"';
            // What a pull killed after its download and before its commit leaves: the whole body and its validators.
            try (PartFile part = PartFile.open(store.root.resolve("tmp"), url, store.context.json())) {
                Files.write(part.path(), raw);
                store.context
                        .json()
                        .write(
                                part.path().resolveSibling(part.path().getFileName() + ".json"),
                                new PartialValidators(url, etag, null));
            }

            Image image = store.source.pull(url, PullOptions.defaults(), e -> {});

            assertEquals(
                    "bytes=" + raw.length + "-",
                    server.requests("/disk.raw").getFirst().header("Range"));
            assertEquals(0, server.bodyBytesSent(), "no byte crossed the wire again");
            assertEquals("sha256:" + Tools.sha256(raw), image.digest());
            assertEquals(0, store.tmpFiles());
        }
    }

    @Test
    void wholeDownloadOfAnOlderVersionIsFetchedAgain() throws Exception {
        PullFixture store = new PullFixture(dir, "30s", "2s");
        byte[] raw = TestImages.raw(6);
        try (ImageServer server = ImageServer.http()) {
            server.file("/disk.raw", raw, true);
            String url = server.url("/disk.raw");
            try (PartFile part = PartFile.open(store.root.resolve("tmp"), url, store.context.json())) {
                Files.write(part.path(), TestImages.raw(7));
                store.context
                        .json()
                        .write(
                                part.path().resolveSibling(part.path().getFileName() + ".json"),
                                new PartialValidators(url, "\"an-older-version\"", null));
            }

            Image image = store.source.pull(url, PullOptions.defaults(), e -> {});

            assertEquals(raw.length, server.bodyBytesSent(), "the current version came whole");
            assertEquals("sha256:" + Tools.sha256(raw), image.digest());
        }
    }

    @Test
    void partialDownloadStartsOverWhenTheServerIgnoresRanges() throws Exception {
        PullFixture store = new PullFixture(dir, "30s", "2s");
        byte[] raw = TestImages.raw(4);
        int cut = 200 * 1024;
        try (ImageServer server = ImageServer.http()) {
            server.stallingOnce("/disk.raw", raw, cut, 5000, false);
            String url = server.url("/disk.raw");
            assertThrows(CocoonException.class, () -> store.source.pull(url, PullOptions.defaults(), e -> {}));

            Image image = store.source.pull(url, PullOptions.defaults(), e -> {});

            assertEquals(
                    "bytes=" + cut + "-", server.requests("/disk.raw").get(1).header("Range"));
            assertEquals(cut + raw.length, server.bodyBytesSent(), "the whole file came again");
            assertEquals("sha256:" + Tools.sha256(raw), image.digest());
        }
    }
}
