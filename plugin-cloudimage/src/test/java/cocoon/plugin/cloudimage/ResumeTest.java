package cocoon.plugin.cloudimage;

import cocoon.api.CocoonException;
import cocoon.api.Image;
import cocoon.api.ProgressEvent;
import cocoon.api.PullOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResumeTest {

    @TempDir
    Path dir;

    @Test
    void interruptedDownloadResumesWithARangeRequestAndEndsWithTheRightDigest() throws Exception {
        PullFixture store = new PullFixture(dir, "30", "2");
        byte[] raw = TestImages.raw(3);
        int cut = 300 * 1024;
        try (ImageServer server = ImageServer.http()) {
            server.stallingOnce("/disk.raw", raw, cut, 5000, true);
            String url = server.url("/disk.raw");

            CocoonException stalled = assertThrows(CocoonException.class,
                    () -> store.source.pull(url, PullOptions.defaults(), e -> { }));
            assertTrue(stalled.getMessage().contains("after " + cut + " bytes"), stalled.getMessage());
            assertEquals(Map.of(), store.storeSnapshot());

            List<ProgressEvent> events = new ArrayList<>();
            Image image = store.source.pull(url, PullOptions.defaults(), events::add);

            List<ImageServer.Request> requests = server.requests("/disk.raw");
            assertEquals(2, requests.size());
            assertNull(requests.get(0).header("Range"));
            assertEquals("bytes=" + cut + "-", requests.get(1).header("Range"));
            assertEquals(requests.get(1).header("If-Range"), '"' + Integer.toHexString(java.util.Arrays.hashCode(raw)) + '"');
            assertEquals(raw.length, server.bodyBytesSent(), "each byte crossed the wire once");
            assertEquals("sha256:" + Tools.sha256(raw), image.digest());
            assertTrue(events.contains(ProgressEvent.progress("disk.raw", cut, raw.length)));
            assertEquals(0, store.tmpFiles());
        }
    }

    @Test
    void partialDownloadStartsOverWhenTheServerIgnoresRanges() throws Exception {
        PullFixture store = new PullFixture(dir, "30", "2");
        byte[] raw = TestImages.raw(4);
        int cut = 200 * 1024;
        try (ImageServer server = ImageServer.http()) {
            server.stallingOnce("/disk.raw", raw, cut, 5000, false);
            String url = server.url("/disk.raw");
            assertThrows(CocoonException.class, () -> store.source.pull(url, PullOptions.defaults(), e -> { }));

            Image image = store.source.pull(url, PullOptions.defaults(), e -> { });

            assertEquals("bytes=" + cut + "-", server.requests("/disk.raw").get(1).header("Range"));
            assertEquals(cut + raw.length, server.bodyBytesSent(), "the whole file came again");
            assertEquals("sha256:" + Tools.sha256(raw), image.digest());
        }
    }
}
