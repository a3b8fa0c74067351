package cocoon.runtime.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.ConflictException;
import cocoon.api.Image;
import cocoon.api.NotFoundException;
import cocoon.runtime.plugin.PluginCatalog;
import cocoon.runtime.testing.FakeSource;
import cocoon.runtime.testing.TestRoot;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@code create}, {@code inspect} and {@code delete} find an image from what a user typed. */
class ImageCatalogTest {

    private static final String HEX_A = "abcd1234" + "0".repeat(56);
    private static final String HEX_B = "abcd5678" + "0".repeat(56);

    @TempDir
    Path dir;

    /** Names registry images the way Docker does, in miniature: a bare name lives in the hub's library. */
    private final FakeSource registry = new FakeSource(
            "reg",
            ref -> !ref.contains("://"),
            ref -> ref.contains("/") ? ref : "hub.example/library/" + (ref.contains(":") ? ref : ref + ":latest"));

    private final FakeSource web = new FakeSource("web", ref -> ref.startsWith("https://"));
    private ImageCatalog catalog;

    @BeforeEach
    void setUp() {
        PluginCatalog plugins = PluginCatalog.of(List.of(registry.provider(), web.provider()), List.of(), List.of());
        catalog = new ImageCatalog(new TestRoot(dir).plugins(plugins));
    }

    @Test
    void anImageIsFoundByTheReferenceItWasPulledAs() {
        Image ubuntu = registry.add("hub.example/library/ubuntu:latest", "sha256:" + HEX_A);
        Image disk = web.add("https://images.example/disk.qcow2", "sha256:" + HEX_B);

        assertEquals(ubuntu, catalog.find("hub.example/library/ubuntu:latest"));
        assertEquals(disk, catalog.find("https://images.example/disk.qcow2"));
    }

    @Test
    void aShortNameIsFoundThroughTheCanonicalFormOfTheSourceThatHandlesIt() {
        Image ubuntu = registry.add("hub.example/library/ubuntu:latest", "sha256:" + HEX_A);

        assertEquals(ubuntu, catalog.find("ubuntu"));
        assertEquals(ubuntu, catalog.find("ubuntu:latest"));
        assertEquals(List.of("ubuntu", "ubuntu:latest"), registry.canonicalAsked);
        assertEquals(List.of(), web.canonicalAsked, "a source is asked only about names it handles");
    }

    @Test
    void aCanonicalFormFindsOnlyImagesOfTheSourceThatGaveIt() {
        web.add("hub.example/library/odd:latest", "sha256:" + HEX_A);

        assertThrows(NotFoundException.class, () -> catalog.find("odd"));
    }

    @Test
    void aUniqueDigestPrefixFindsTheImageWithOrWithoutTheAlgorithm() {
        registry.add("hub.example/library/ubuntu:latest", "sha256:" + HEX_A);
        Image disk = web.add("https://images.example/disk.qcow2", "sha256:" + HEX_B);

        assertEquals(disk, catalog.find("abcd5"));
        assertEquals(disk, catalog.find("sha256:abcd5678"));
    }

    @Test
    void aDigestPrefixTwoImagesShareIsRefusedAsAmbiguous() {
        registry.add("hub.example/library/ubuntu:latest", "sha256:" + HEX_A);
        web.add("https://images.example/disk.qcow2", "sha256:" + HEX_B);

        ConflictException error = assertThrows(ConflictException.class, () -> catalog.find("abcd"));

        assertEquals("'abcd' matches 2 images", error.getMessage());
        assertEquals("give more digest characters or the image name", error.hint());
    }

    @Test
    void anImageNamedLikeADigestPrefixIsFoundByItsName() {
        Image named = registry.add("hub.example/library/abcd:latest", "sha256:" + "f".repeat(64));
        registry.add("hub.example/library/other:latest", "sha256:" + HEX_A);

        assertEquals(named, catalog.find("abcd"));
    }

    @Test
    void aNameNothingWasPulledAsIsNotFoundWithTheCommandThatPullsIt() {
        registry.add("hub.example/library/ubuntu:latest", "sha256:" + HEX_A);

        NotFoundException error = assertThrows(NotFoundException.class, () -> catalog.find("debian"));

        assertEquals("image 'debian' is not pulled", error.getMessage());
        assertTrue(error.hint().startsWith("run cocoon pull debian first"), error.hint());
        assertThrows(NotFoundException.class, () -> catalog.find("abc"), "three hex digits are a name, not a digest");
    }
}
