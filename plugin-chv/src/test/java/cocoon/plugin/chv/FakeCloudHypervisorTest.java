package cocoon.plugin.chv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test double refuses what Cloud Hypervisor refuses, so a driver that passes against it used valid syntax. */
class FakeCloudHypervisorTest {

    @TempDir
    Path dir;

    private record Outcome(int exitCode, String stderr) {}

    private Outcome run(String... args) throws IOException, InterruptedException {
        return run(List.of(), args);
    }

    private Outcome run(List<String> launcher, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(launcher);
        argv.add(FakeChv.FAKE.toString());
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
        Path firmware = Files.write(dir.resolve("CLOUDHV.fd"), new byte[16]);
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

    /** A VM with a kernel (a stand-in file) and one card with this {@code --net} value. */
    private Outcome netVm(List<String> launcher, String net) throws IOException, InterruptedException {
        Path kernel = Files.write(dir.resolve("vmlinuz"), new byte[16]);
        return run(
                launcher,
                "--api-socket",
                "path=" + dir.resolve("net.sock"),
                "--kernel",
                kernel.toString(),
                "--net",
                net);
    }

    @Test
    void malformedNetValuesAreConfigErrorsNamingNetAsCloudHypervisorReportsThem() throws Exception {
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("tap=ck0f3c9a2b7d41,mac=52:54:00:0f:3c", "unable to parse 52:54:00:0f:3c for mac");
        refused.put("tap=ck0f3c9a2b7d41,mac=52:54:00:0f:3c:9", "unable to parse 52:54:00:0f:3c:9 for mac");
        refused.put("tap=ck0f3c9a2b7d41,mac=52-54-00-0f-3c-9a", "unable to parse 52-54-00-0f-3c-9a for mac");
        refused.put("tap=ck0f3c9a2b7d41,ip=10.89.0.256", "unable to parse 10.89.0.256 for ip");
        refused.put("tap=ck0f3c9a2b7d41,colour=blue", "unknown option: colour");
        refused.put("tap=ck0f3c9a2b7d41,mac", "invalid syntax:mac");
        refused.put("tap=ck0f3c9a2b7d41,num_queues=1", "Number of queues to virtio_net less than 2");
        refused.put("tap=ck0f3c9a2b7d41,num_queues=4", "Number of vCPUs is insufficient for number of queues");
        for (Map.Entry<String, String> value : refused.entrySet()) {
            Outcome outcome = netVm(List.of(), value.getKey());

            assertEquals(1, outcome.exitCode(), value.getKey() + ": " + outcome.stderr());
            assertTrue(outcome.stderr().contains(value.getValue()), value.getKey() + ": " + outcome.stderr());
            assertTrue(
                    value.getValue().startsWith("Number") || outcome.stderr().contains("Error parsing --net"),
                    value.getKey() + ": " + outcome.stderr());
        }
    }

    @Test
    void aTapThatDoesNotExistFailsTheBootForAVmmThatMayNotCreateOne() throws Exception {
        Outcome missing = netVm(withoutNetAdmin(), "tap=ckabsent00000,mac=52:54:00:0f:3c:9a");

        assertEquals(1, missing.exitCode(), missing.stderr());
        assertTrue(missing.stderr().contains("""
                          3: Cannot create virtio-net device
                          4: Failed to open taps
                          5: Open tap device failed
                          6: Unable to configure tap interface
                          7: Operation not permitted (os error 1)
                        """), missing.stderr());
    }

    @Test
    void aNameThatIsNoTapOrIsTooLongIsRefusedAsTheKernelAndCloudHypervisorDo() throws Exception {
        Outcome loopback = netVm(List.of(), "tap=lo");
        assertEquals(1, loopback.exitCode(), loopback.stderr());
        assertTrue(loopback.stderr().contains("Invalid argument (os error 22)"), loopback.stderr());

        Outcome tooLong = netVm(List.of(), "tap=ck0f3c9a2b7d41abcd");
        assertEquals(1, tooLong.exitCode(), tooLong.stderr());
        assertTrue(
                tooLong.stderr().contains("Interface name too long (max length is 15): ck0f3c9a2b7d41abcd"),
                tooLong.stderr());
    }

    @Test
    void restoreTakesOnlyVmmOptionsAndCloudHypervisorsRestoreKeys() throws Exception {
        String socket = "path=" + dir.resolve("r.sock");
        Outcome withVmOption = run("--api-socket", socket, "--restore", "source_url=file://" + dir, "--cpus", "boot=1");
        assertEquals(2, withVmOption.exitCode(), withVmOption.stderr());
        assertTrue(
                withVmOption.stderr().contains("the following required arguments were not provided"),
                withVmOption.stderr());

        Outcome noSource = run("--api-socket", socket, "--restore", "prefault=on");
        assertEquals(1, noSource.exitCode(), noSource.stderr());
        assertTrue(noSource.stderr().contains("Error parsing --restore: source_url missing"), noSource.stderr());

        Outcome badKey = run("--api-socket", socket, "--restore", "source_url=file://" + dir + ",paused=on");
        assertEquals(1, badKey.exitCode(), badKey.stderr());
        assertTrue(
                badKey.stderr().contains("Error parsing restore")
                        && badKey.stderr().contains("Error parsing --restore")
                        && badKey.stderr().contains("unknown option: paused"),
                badKey.stderr());

        Outcome notASnapshot = run("--api-socket", socket, "--restore", "source_url=file://" + dir.resolve("none"));
        assertEquals(1, notASnapshot.exitCode(), notASnapshot.stderr());
        assertTrue(
                notASnapshot.stderr().contains("Error restoring VM")
                        && notASnapshot.stderr().contains("Destination is not a directory"),
                notASnapshot.stderr());
    }

    /** As root, the fake runs with CAP_NET_ADMIN dropped, the way an unprivileged Cloud Hypervisor runs. */
    private static List<String> withoutNetAdmin() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")
                    && (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << 12)) != 0) {
                return List.of("setpriv", "--bounding-set=-net_admin");
            }
        }
        return List.of();
    }
}
