package cocoon.plugin.cloudimage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Image;
import cocoon.api.PullOptions;
import cocoon.api.VmRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The base of a cloud image that came with a snapshot from another host lands in the store as a pull would have left
 * it: listed, in use, under the digest the other host's pull recorded; a base that names a file of this host is
 * refused with the store untouched.
 */
class CarriedBaseTest {

    private static final String URL = "http://images.example/disk.raw";

    @TempDir
    Path dir;

    private PullFixture store;
    private TestImages images;
    private byte[] raw;
    private String digest;

    @BeforeEach
    void setUp() {
        store = new PullFixture(dir);
        images = new TestImages(dir);
        raw = TestImages.raw(3);
        digest = "sha256:" + Tools.sha256(raw);
    }

    /** A qcow2 base as another host's pull of {@link #URL} made it, handed over in this root's tmp/. */
    private Path carried(String name) throws Exception {
        return Files.write(
                Files.createDirectories(store.root.resolve("tmp")).resolve(name), images.convert(raw, "qcow2"));
    }

    @Test
    void aCarriedBaseIsStoredAndIndexedAsAPullWouldHave() throws Exception {
        Path incoming = carried("snapshot-base-1");
        byte[] bytes = Files.readAllBytes(incoming);

        Image image = store.source.landBase(new VmRecord.ImageRef("cloudimg", URL, digest), incoming, event -> {});

        Path base = store.blobs().resolve(digest.substring(7) + ".qcow2");
        assertEquals(digest, image.digest());
        assertEquals(URL, image.reference());
        assertEquals(base, image.baseDisks().getFirst().path());
        assertEquals(List.of(image), store.source.list());
        assertEquals(Set.of(base), store.source.inUse());
        assertArrayEquals(bytes, Files.readAllBytes(base));
        assertFalse(Files.exists(incoming), "the base moved into the store");
    }

    @Test
    void aBaseThatNamesAFileOfThisHostIsRefusedAndTheStoreIsUntouched() throws Exception {
        Path incoming = Files.write(
                Files.createDirectories(store.root.resolve("tmp")).resolve("snapshot-base-2"),
                images.qcow2BackedBy(Path.of("/etc/hostname")));
        Map<String, String> before = store.storeSnapshot();

        UnsafeImageException refused = assertThrows(
                UnsafeImageException.class,
                () -> store.source.landBase(new VmRecord.ImageRef("cloudimg", URL, digest), incoming, event -> {}));

        assertTrue(refused.getMessage().contains("with a backing file; refused"), refused.getMessage());
        assertEquals(before, store.storeSnapshot());
        assertEquals(List.of(), store.source.list());
    }

    @Test
    void aUrlThatAPullHereGaveOtherContentKeepsItAndTheCarriedBaseIsStoredBesideIt() throws Exception {
        ImageServer server = ImageServer.http();
        try {
            server.file("/disk.raw", TestImages.raw(4), false);
            Image pulledHere = store.source.pull(server.url("/disk.raw"), PullOptions.defaults(), event -> {});
            Path incoming = carried("snapshot-base-3");

            Image landed = store.source.landBase(
                    new VmRecord.ImageRef("cloudimg", pulledHere.reference(), digest), incoming, event -> {});

            assertEquals(List.of(pulledHere), store.source.list());
            assertEquals(digest, landed.digest());
            assertTrue(Files.exists(landed.baseDisks().getFirst().path()));
            assertTrue(
                    store.source.files().contains(landed.baseDisks().getFirst().path()));
        } finally {
            server.close();
        }
    }
}
