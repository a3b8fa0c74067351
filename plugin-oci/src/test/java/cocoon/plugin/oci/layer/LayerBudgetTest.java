package cocoon.plugin.oci.layer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One layer's entries, file bytes and the disk's free space are refused in the words a user reads, on both paths. */
class LayerBudgetTest {

    private static final long CHECK_EVERY = 64L << 20;

    @TempDir
    Path disk;

    @Test
    void theEntryPastMaxLayerEntriesIsRefused() {
        LayerBudget budget = new LayerBudget(new LayerLimits(Long.MAX_VALUE, 2, 0), disk, "sha256:aa");
        budget.countEntry();
        budget.countEntry();

        LayerTooLargeException error = assertThrows(LayerTooLargeException.class, budget::countEntry);

        assertEquals("layer sha256:aa has more than 2 entries", error.getMessage());
        assertEquals("it may be a tar bomb; if the image is genuine raise [oci] max_layer_entries", error.hint());
    }

    @Test
    void theFileThatTakesTheLayerPastMaxLayerSizeIsNamed() throws Exception {
        LayerBudget budget = new LayerBudget(new LayerLimits(100, 10, 0), disk, "sha256:aa");
        budget.countFileBytes(60, "etc/first");
        budget.countFileBytes(40, "etc/second");

        LayerTooLargeException error =
                assertThrows(LayerTooLargeException.class, () -> budget.countFileBytes(1, "usr/third"));

        assertEquals("layer sha256:aa unpacks to more than 100 bytes (at \"usr/third\")", error.getMessage());
        assertEquals("it may be a tar bomb; if the image is genuine raise [oci] max_layer_size", error.hint());
    }

    @Test
    void aDiskUnderMinFreeIsNoticedAtTheNext64MiBOfFileBytes() throws Exception {
        LayerBudget budget = new LayerBudget(new LayerLimits(Long.MAX_VALUE, 10, Long.MAX_VALUE), disk, "sha256:aa");
        assertDoesNotThrow(() -> budget.countFileBytes(CHECK_EVERY - 1, "big"));

        LayerTooLargeException error =
                assertThrows(LayerTooLargeException.class, () -> budget.countFileBytes(1, "big"));

        assertTrue(error.getMessage().startsWith("only "), error.getMessage());
        assertTrue(
                error.getMessage()
                        .endsWith(" bytes left free on the disk of " + disk + " while unpacking layer sha256:aa"),
                error.getMessage());
        assertEquals("free some space (cocoon gc) or lower [oci] min_free", error.hint());
    }

    @Test
    void theFreeSpaceIsCheckedOnceEvery64MiBNotOnEveryRead() throws Exception {
        LayerBudget budget = new LayerBudget(new LayerLimits(Long.MAX_VALUE, 10, Long.MAX_VALUE), disk, "sha256:aa");
        budget.countFileBytes(CHECK_EVERY - 1, "big");
        assertThrows(LayerTooLargeException.class, () -> budget.countFileBytes(1, "big"));

        assertDoesNotThrow(() -> budget.countFileBytes(CHECK_EVERY - 1, "big"));
        assertThrows(LayerTooLargeException.class, () -> budget.countFileBytes(1, "big"));
    }
}
