package cocoon.plugin.cloudimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import cocoon.api.CocoonException;
import cocoon.api.ToolException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a failed file operation of this plugin reads: a full disk the same everywhere, the rest with what failed. */
class StorageExceptionTest {

    @TempDir
    Path dir;

    @Test
    void aFullDiskNamesTheFolderAndSaysToFreeSpace() {
        StorageException e = StorageException.of(
                "cannot write the download",
                dir.resolve("x.part"),
                new IOException("No space left on device"),
                "pull again");
        assertEquals("no space left on " + dir, e.getMessage());
        assertEquals("free space (cocoon gc)", e.hint());

        CocoonException tool = StorageException.of(
                new ToolException(
                        List.of("qemu-img"),
                        "qemu-img failed (exit 1): qemu-img: error while writing at byte 0: No space left on device",
                        "see the message above"),
                dir);
        assertEquals("no space left on " + dir, tool.getMessage());
    }

    @Test
    void otherFailuresSayWhatFailedOnWhichFile() {
        Path file = dir.resolve("index.json");
        StorageException e = StorageException.of(
                "cannot read", file, new AccessDeniedException(file.toString()), "check permissions");
        assertEquals("cannot read " + file + ": permission denied", e.getMessage());

        ToolException broken = new ToolException(List.of("qemu-img"), "qemu-img failed (exit 1): bad image", "hint");
        assertSame(broken, StorageException.of(broken, dir));
    }
}
