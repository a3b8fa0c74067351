package cocoon.plugin.chv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test double refuses what Cloud Hypervisor refuses, so a driver that passes against it used valid syntax. */
class FakeCloudHypervisorTest {

    @TempDir
    Path dir;

    private record Outcome(int exitCode, String stderr) {}

    private Outcome run(String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(FakeChv.FAKE.toString()));
        argv.addAll(List.of(args));
        Process process = new ProcessBuilder(argv)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new Outcome(process.exitValue(), stderr);
    }

    @Test
    void anUnknownDiskKeyIsAConfigErrorAndAnUnknownOptionAUsageError() throws Exception {
        Outcome badKey = run(
                "--api-socket",
                "path=" + dir.resolve("a.sock"),
                "--kernel",
                "/vmlinuz",
                "--disk",
                "path=/x,readonly=on,writeback=on");
        assertEquals(1, badKey.exitCode());
        assertTrue(
                badKey.stderr().contains("Error parsing --disk")
                        && badKey.stderr().contains("unknown option: writeback"),
                badKey.stderr());

        Outcome badOption = run("--kernel", "/vmlinuz", "--disks", "path=/x");
        assertEquals(2, badOption.exitCode());
        assertTrue(badOption.stderr().contains("unexpected argument '--disks'"), badOption.stderr());
    }

    @Test
    void aQcow2OverlayWithoutBackingFilesOnIsRefusedLikeV50Point1AndLaterDo() throws Exception {
        var vm = FakeChv.withFiles(VmFixtures.cloudVm(dir, 512 * VmFixtures.MIB));
        Path firmware = java.nio.file.Files.write(dir.resolve("CLOUDHV.fd"), new byte[16]);
        Outcome refused = run(
                "--api-socket",
                "path=" + dir.resolve("b.sock"),
                "--firmware",
                firmware.toString(),
                "--disk",
                "path=" + vm.disks().get(0).path() + ",image_type=qcow2",
                "--serial",
                "pty",
                "--console",
                "off");
        assertEquals(1, refused.exitCode());
        assertTrue(refused.stderr().contains("backing_files=on"), refused.stderr());
    }
}
