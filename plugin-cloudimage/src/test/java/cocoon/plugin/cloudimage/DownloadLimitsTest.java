package cocoon.plugin.cloudimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.CocoonException;
import cocoon.api.Image;
import cocoon.api.InvalidInputException;
import cocoon.api.PullOptions;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A download never grows past what the server announced or past {@code [cloudimg] max_size}, and
 * leaves {@code min_free} on the disk: refused in one line, with nothing left in the store or tmp/.
 */
class DownloadLimitsTest {

    @TempDir
    Path dir;

    private PullFixture store;
    private ImageServer server;

    @BeforeEach
    void start() throws Exception {
        store = new PullFixture(dir, Map.of("max_size", "4M"));
        server = ImageServer.http();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void endlessBodyWithoutLengthStopsAtMaxSize() {
        server.endless("/endless.raw", TestImages.raw(1));

        CocoonException e = pullFails(store, server.url("/endless.raw"));

        assertTrue(e.getMessage().contains("max_size = 4M"), e.getMessage());
        assertTrue(e.hint().contains("raise max_size"), e.hint());
        assertNothingStored();
    }

    @Test
    void announcedLengthOverMaxSizeIsRefusedBeforeTheBody() {
        server.announcing("/huge.raw", 1L << 40);

        CocoonException e = pullFails(store, server.url("/huge.raw"));

        assertTrue(e.getMessage().contains("announces 1T, more than [cloudimg] max_size = 4M"), e.getMessage());
        assertNothingStored();
    }

    @Test
    void bodyLongerThanItsContentLengthIsCutAtTheLength() throws Exception {
        byte[] image = TestImages.raw(2);
        try (OverlongBodyServer overlong = new OverlongBodyServer(image)) {
            Image pulled = store.source.pull(overlong.url("/overlong.raw"), PullOptions.defaults(), ev -> {});

            assertEquals("sha256:" + Tools.sha256(image), pulled.digest(), "exactly the announced bytes were taken");
            assertTrue(overlong.clientHungUp(30), "the client hung up instead of reading the junk past the length");
        }
        assertEquals(0, store.tmpFiles());
    }

    @Test
    void notEnoughFreeSpaceIsRefusedBeforeTheBody() throws Exception {
        PullFixture full = new PullFixture(dir.resolve("full"), Map.of("min_free", "1000000T"));
        try (HeldBodyServer held = new HeldBodyServer(TestImages.SIZE, 5000)) {

            CocoonException e = pullFails(full, held.url("/disk.raw"));

            assertTrue(e.getMessage().contains("min_free = "), e.getMessage());
            assertTrue(e.hint().contains("cocoon gc"), e.hint());
            assertTrue(held.exchangeEnded(30));
            assertEquals(0, held.bodyBytesSent(), "the client hung up on the headers, before any body byte was sent");
        }
        assertTrue(full.storeSnapshot().isEmpty());
        assertEquals(0, full.tmpFiles());
    }

    @Test
    void imagesUpToMaxSizeStillPull() {
        byte[] image = TestImages.raw(4);
        server.file("/disk.raw", image, true);

        Image pulled = new PullFixture(dir.resolve("exact"), Map.of("max_size", Integer.toString(image.length)))
                .source.pull(server.url("/disk.raw"), PullOptions.defaults(), ev -> {});

        assertEquals("sha256:" + Tools.sha256(image), pulled.digest());
    }

    @Test
    void sizesAreReadWithUnitsAndNonsenseIsRefused() {
        InvalidInputException e = assertThrows(
                InvalidInputException.class, () -> new PullFixture(dir.resolve("bad"), Map.of("max_size", "lots")));

        assertEquals("config: [cloudimg] max_size = \"lots\" is not valid", e.getMessage());
        assertEquals("max_size takes a size such as 512M or 64G", e.hint());
        assertEquals(
                64L << 30,
                CloudImageSettings.from(new PullFixture(dir.resolve("default"), Map.of()).context)
                        .limits()
                        .maxBytes());
        assertEquals(
                3L << 30,
                CloudImageSettings.from(new PullFixture(dir.resolve("g"), Map.of("max_size", "3G")).context)
                        .limits()
                        .maxBytes());
        assertEquals(
                1L << 30,
                CloudImageSettings.from(new PullFixture(dir.resolve("g"), Map.of()).context)
                        .limits()
                        .minFreeBytes());
    }

    private static CocoonException pullFails(PullFixture store, String url) {
        CocoonException e =
                assertThrows(CocoonException.class, () -> store.source.pull(url, PullOptions.defaults(), ev -> {}));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    private void assertNothingStored() {
        assertTrue(store.storeSnapshot().isEmpty(), store.storeSnapshot().toString());
        assertEquals(0, store.tmpFiles(), "nothing left in tmp/");
    }
}
