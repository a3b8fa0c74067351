package cocoon.runtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.CocoonException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** File-system failures that reach the command line read as a reason and a next step, never as an internal error. */
class IoFailureTest {

    private static final Path ROOT = Path.of("/var/lib/cocoon");

    @Test
    void aFullDiskNamesTheFileOrElseTheRootDirAndSaysToFreeSpace() {
        CocoonException named = explain(new UncheckedIOException(
                new FileSystemException("/var/lib/cocoon/tmp/x.part", null, "No space left on device")));
        assertEquals("no space left on /var/lib/cocoon/tmp/x.part", named.getMessage());
        assertEquals("free space (cocoon gc)", named.hint());

        CocoonException unnamed = explain(new RuntimeException("wrapped", new IOException("No space left on device")));
        assertEquals("no space left on /var/lib/cocoon", unnamed.getMessage());
        assertEquals("free space (cocoon gc)", unnamed.hint());
    }

    @Test
    void otherFailuresSayWhatWentWrongAndWhatToDo() {
        CocoonException denied = explain(new UncheckedIOException(new AccessDeniedException("/var/lib/cocoon/vms")));
        assertEquals("permission denied on /var/lib/cocoon/vms", denied.getMessage());
        assertTrue(denied.hint().contains("--root-dir"), denied.hint());

        CocoonException readOnly =
                explain(new FileSystemException("/var/lib/cocoon/locks/vms", null, "Read-only file system"));
        assertTrue(readOnly.getMessage().contains("read-only"), readOnly.getMessage());

        CocoonException other = explain(new UncheckedIOException(new IOException("Input/output error")));
        assertEquals("I/O error on /var/lib/cocoon: Input/output error", other.getMessage());
    }

    @Test
    void failuresWithoutAnIoCauseAreLeftAlone() {
        assertTrue(IoFailure.explain(new IllegalStateException("bug"), ROOT).isEmpty());
    }

    private static CocoonException explain(Exception e) {
        return IoFailure.explain(e, ROOT).orElseThrow();
    }
}
