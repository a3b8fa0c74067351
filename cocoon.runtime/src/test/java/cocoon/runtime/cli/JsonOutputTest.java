package cocoon.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.BootSpec;
import cocoon.api.VmRecord;
import cocoon.api.VmSpec;
import cocoon.api.VmState;
import cocoon.runtime.store.AtomicJsonFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON output hides the cloud-init password; the record on disk keeps it for the seed disk. */
class JsonOutputTest {

    private static final String PASSWORD = "s3cret-Pa55";

    @TempDir
    Path dir;

    @Test
    void psAndInspectShowThePasswordRedactedButTheRecordKeepsIt() throws Exception {
        VmRecord record = record(new VmSpec.CloudInit("ada", PASSWORD, List.of("ssh-ed25519 AAAA ada"), List.of()));

        String ps = JsonOutput.render(List.of(record));
        String inspect = JsonOutput.render(new InspectCommand.Inspection(
                record, InspectCommand.NetworkView.of(record, Optional.empty()), null, null));
        for (String shown : List.of(ps, inspect)) {
            assertFalse(shown.contains(PASSWORD), shown);
            assertTrue(shown.contains("\"password\" : \"<redacted>\""), shown);
            assertTrue(shown.contains("\"user\" : \"ada\"") && shown.contains("ssh-ed25519 AAAA ada"), shown);
        }

        Path file = dir.resolve("vm.json");
        new AtomicJsonFiles().write(file, record);
        assertTrue(Files.readString(file).contains(PASSWORD));
        assertEquals(record, new AtomicJsonFiles().read(file, VmRecord.class).orElseThrow());
    }

    @Test
    void aVmWithoutLoginShowsNoPassword() {
        String shown = JsonOutput.render(record(null));
        assertTrue(shown.contains("\"cloudInit\" : null"), shown);
    }

    private static VmRecord record(VmSpec.CloudInit login) {
        return new VmRecord(
                "0123456789abcdef",
                "web1",
                VmState.CREATED,
                new VmSpec("web1", 2, 1L << 30, 10L << 30, "qemu", Map.of("accel", "tcg"), login),
                new VmRecord.ImageRef("cloudimg", "http://127.0.0.1/img.qcow2", "sha256:ab"),
                BootSpec.firmware(),
                List.of(),
                Instant.parse("2026-12-02T12:00:00Z"),
                null,
                0,
                null,
                null);
    }
}
