package cocoon.plugin.chv;

import static cocoon.plugin.chv.VmFixtures.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cocoon.api.ConflictException;
import cocoon.api.HypervisorException;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmState;
import cocoon.plugin.chv.api.ChvApi;
import cocoon.plugin.chv.api.UnixHttpClient;
import cocoon.plugin.chv.api.VmInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real driver (real processes, real UNIX socket HTTP) against the strict Cloud Hypervisor test double. */
class ChvContractTest {

    @TempDir
    Path root;

    /** The VMM is not this JVM's child: once it exits it may stay a zombie until init reaps it, which is not alive. */
    private static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static void assertRunDirClean(VmPaths paths) {
        assertFalse(Files.exists(paths.runDir().resolve("api.sock")), "socket left behind");
        assertFalse(Files.exists(paths.runDir().resolve("pid")), "pid file left behind");
    }

    @Test
    void aKernelVmStartsAnswersWithItsConsolePtyAndPowersOffThroughTheButton() throws Exception {
        FakeChv chv = new FakeChv(root, Map.of());
        VmPaths paths = chv.paths();
        VmRecord vm = FakeChv.withFiles(VmFixtures.ociVm(root, 512 * MIB));

        long pid = chv.hypervisor.launch(vm, paths);

        assertTrue(alive(pid));
        assertEquals(pid + "", Files.readString(paths.runDir().resolve("pid")).strip());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(paths.runDir())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(paths.logDir())));
        VmRecord running = vm.running(pid, Instant.now());
        assertEquals(VmState.RUNNING, chv.hypervisor.state(running, paths));

        Path console = chv.hypervisor.console(running, paths);
        assertTrue(console.toString().startsWith("/dev/pts/"), console.toString());
        assertEquals("fake-cloud-hypervisor: console ready", firstLine(console));
        assertTrue(Files.readString(paths.logDir().resolve("serial.log")).contains("vmlinuz"));

        chv.hypervisor.powerOff(running, paths, Duration.ofSeconds(20), false);

        assertFalse(alive(pid));
        assertEquals(VmState.STOPPED, chv.hypervisor.state(running, paths));
        assertRunDirClean(paths);
        List<String> requests = chv.requests();
        assertTrue(requests.contains("GET /api/v1/vm.info"), "start waits for the VM to boot: " + requests);
        assertTrue(requests.contains("PUT /api/v1/vm.power-button"), requests.toString());
        assertFalse(requests.contains("PUT /api/v1/vm.shutdown"), requests.toString());
    }

    @Test
    void aGuestThatIgnoresThePowerButtonIsShutDownThroughTheApiAfterTheTimeout() throws Exception {
        FakeChv chv = new FakeChv(root, Map.of("FAKE_CHV_POWER_BUTTON", "ignore"));
        VmPaths paths = chv.paths();
        VmRecord vm = FakeChv.withFiles(VmFixtures.ociVm(root, 512 * MIB));
        long pid = chv.hypervisor.launch(vm, paths);

        long start = System.nanoTime();
        chv.hypervisor.powerOff(vm.running(pid, Instant.now()), paths, Duration.ofSeconds(1), false);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        assertFalse(alive(pid));
        assertTrue(tookMillis >= 1_000 && tookMillis < 6_000, "took " + tookMillis + " ms");
        List<String> requests = chv.requests();
        int button = requests.indexOf("PUT /api/v1/vm.power-button");
        int vmShutdown = requests.indexOf("PUT /api/v1/vm.shutdown");
        int vmmShutdown = requests.indexOf("PUT /api/v1/vmm.shutdown");
        assertTrue(button >= 0 && button < vmShutdown && vmShutdown < vmmShutdown, requests.toString());
        assertRunDirClean(paths);
    }

    @Test
    void aUefiCloudImageBootsFromItsQcow2OverlayWithTheSerialPortAsConsoleAndForceSkipsTheButton() throws Exception {
        FakeChv chv = new FakeChv(root, Map.of());
        VmPaths paths = chv.paths();
        VmRecord vm = FakeChv.withFiles(VmFixtures.cloudVm(root, 1024 * MIB));

        long pid = chv.hypervisor.launch(vm, paths);
        VmRecord running = vm.running(pid, Instant.now());
        Path console = chv.hypervisor.console(running, paths);
        assertEquals("fake-cloud-hypervisor: serial ready", firstLine(console));

        chv.hypervisor.powerOff(running, paths, Duration.ofSeconds(30), true);

        assertFalse(alive(pid));
        List<String> requests = chv.requests();
        assertFalse(requests.contains("PUT /api/v1/vm.power-button"), requests.toString());
        assertTrue(requests.contains("PUT /api/v1/vmm.shutdown"), requests.toString());
        assertRunDirClean(paths);
    }

    @Test
    void aVmmThatDiesAtStartFailsTheLaunchWithTheEndOfItsLog() throws Exception {
        FakeChv chv = new FakeChv(
                root, Map.of("FAKE_CHV_DIE_AT_START", "Cannot open /dev/kvm: No such file or directory (os error 2)"));
        VmPaths paths = chv.paths();
        VmRecord vm = FakeChv.withFiles(VmFixtures.ociVm(root, 512 * MIB));

        HypervisorException error = assertThrows(HypervisorException.class, () -> chv.hypervisor.launch(vm, paths));

        assertTrue(error.getMessage().contains("exited while starting VM web"), error.getMessage());
        assertTrue(error.getMessage().contains("Cannot open /dev/kvm: No such file or directory"), error.getMessage());
        assertTrue(
                error.hint().contains(paths.logDir().resolve("hypervisor.log").toString()), error.hint());
        assertRunDirClean(paths);
    }

    @Test
    void aVmmThatIsSlowToCreateItsSocketIsWaitedForAndOneThatNeverAnswersIsStopped() throws Exception {
        FakeChv slow = new FakeChv(root, Map.of("FAKE_CHV_SOCKET_DELAY_MS", "1500"));
        VmRecord vm = FakeChv.withFiles(VmFixtures.ociVm(root, 512 * MIB));
        long pid = slow.hypervisor.launch(vm, slow.paths());
        assertEquals(VmState.RUNNING, slow.hypervisor.state(vm.running(pid, Instant.now()), slow.paths()));
        slow.hypervisor.powerOff(vm.running(pid, Instant.now()), slow.paths(), Duration.ofSeconds(20), false);

        FakeChv silent = new FakeChv(root, Map.of("FAKE_CHV_SOCKET_DELAY_MS", "60000"), Map.of("start_timeout", "2s"));
        HypervisorException error =
                assertThrows(HypervisorException.class, () -> silent.hypervisor.launch(vm, silent.paths()));
        assertTrue(error.getMessage().contains("did not answer"), error.getMessage());
        assertTrue(error.hint().contains("start_timeout"), error.hint());
        assertRunDirClean(silent.paths());
    }

    @Test
    void aStaleSocketFromADeadProcessReadsAsStoppedAndDoesNotBlockTheNextStart() throws Exception {
        FakeChv chv = new FakeChv(root, Map.of());
        VmPaths paths = chv.paths();
        VmRecord vm = FakeChv.withFiles(VmFixtures.ociVm(root, 512 * MIB));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(10, TimeUnit.SECONDS);
        Files.createDirectories(paths.runDir());
        try (ServerSocketChannel left = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            left.bind(UnixDomainSocketAddress.of(paths.runDir().resolve("api.sock")));
        }
        Files.writeString(paths.runDir().resolve("pid"), gone.pid() + "\n");
        VmRecord recorded = vm.running(gone.pid(), Instant.now());

        assertEquals(VmState.ERROR, chv.hypervisor.state(recorded, paths), "a VMM gone without Cocoon stopping it");
        assertEquals(VmState.ERROR, chv.hypervisor.state(recorded.failed("host crashed"), paths));
        HypervisorException noConsole =
                assertThrows(HypervisorException.class, () -> chv.hypervisor.console(recorded, paths));
        assertTrue(noConsole.getMessage().contains("not running"), noConsole.getMessage());

        long pid = chv.hypervisor.launch(vm, paths);
        assertEquals(VmState.RUNNING, chv.hypervisor.state(vm.running(pid, Instant.now()), paths));
        chv.hypervisor.powerOff(vm.running(pid, Instant.now()), paths, Duration.ofSeconds(20), false);
        assertRunDirClean(paths);
    }

    @Test
    void aPidReusedByAnotherProgramIsNeverTakenForTheVmNorSignalled() throws Exception {
        FakeChv chv = new FakeChv(root, Map.of());
        VmPaths paths = chv.paths();
        VmRecord vm = VmFixtures.ociVm(root, 512 * MIB);
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            Files.createDirectories(paths.runDir());
            Files.writeString(paths.runDir().resolve("pid"), sleeper.pid() + "\n");
            VmRecord recorded = vm.running(sleeper.pid(), Instant.now());

            assertEquals(VmState.ERROR, chv.hypervisor.state(recorded, paths), "the VMM is gone, its pid reused");
            chv.hypervisor.powerOff(recorded, paths, Duration.ofSeconds(1), true);

            assertTrue(sleeper.isAlive(), "the unrelated program was signalled");
            assertRunDirClean(paths);
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void aSecondStartOfARunningVmIsRefused() throws Exception {
        FakeChv chv = new FakeChv(root, Map.of());
        VmPaths paths = chv.paths();
        VmRecord vm = FakeChv.withFiles(VmFixtures.ociVm(root, 512 * MIB));
        long pid = chv.hypervisor.launch(vm, paths);
        try {
            ConflictException error = assertThrows(
                    ConflictException.class, () -> chv.hypervisor.launch(vm.running(pid, Instant.now()), paths));
            assertTrue(error.getMessage().contains("already running"), error.getMessage());
            assertTrue(alive(pid));
        } finally {
            chv.hypervisor.powerOff(vm.running(pid, Instant.now()), paths, Duration.ofSeconds(20), true);
        }
        assertFalse(alive(pid));
    }

    @Test
    void aWedgedVmmThatIgnoresShutdownAndSigtermIsKilled() throws Exception {
        FakeChv chv = new FakeChv(
                root,
                Map.of(
                        "FAKE_CHV_POWER_BUTTON",
                        "ignore",
                        "FAKE_CHV_VMM_SHUTDOWN",
                        "ignore",
                        "FAKE_CHV_SIGTERM",
                        "ignore"),
                Map.of("stop_grace", "1s"));
        VmPaths paths = chv.paths();
        VmRecord vm = FakeChv.withFiles(VmFixtures.ociVm(root, 512 * MIB));
        long pid = chv.hypervisor.launch(vm, paths);

        chv.hypervisor.powerOff(vm.running(pid, Instant.now()), paths, Duration.ofSeconds(1), false);

        assertFalse(alive(pid));
        assertRunDirClean(paths);
    }

    // ---- the state contract (issue #15 part 1), against a double that answers as Cloud Hypervisor does ----

    @Test
    void aKilledHypervisorReadsAsError() throws Exception {
        FakeChv chv = new FakeChv(root, Map.of());
        VmPaths paths = chv.paths();
        VmRecord vm = FakeChv.withFiles(VmFixtures.ociVm(root, 512 * MIB));
        long pid = chv.hypervisor.launch(vm, paths);
        awaitBooted(paths);

        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        awaitGone(pid);

        assertEquals(VmState.ERROR, chv.hypervisor.state(vm.running(pid, Instant.now()), paths));
        chv.hypervisor.powerOff(vm.running(pid, Instant.now()), paths, Duration.ofSeconds(1), true);
    }

    @Test
    void aGuestThatPowersItselfOffReadsAsStopped() throws Exception {
        FakeChv chv = new FakeChv(root, Map.of());
        VmPaths paths = chv.paths();
        VmRecord vm = FakeChv.withFiles(VmFixtures.ociVm(root, 512 * MIB));
        long pid = chv.hypervisor.launch(vm, paths);
        awaitBooted(paths);
        VmRecord running = vm.running(pid, Instant.now());

        // As root typing `poweroff` on the console: the double's guest shuts itself down (ACPI S5 from inside).
        try (OutputStream console =
                new FileOutputStream(chv.hypervisor.console(running, paths).toFile())) {
            console.write("poweroff\n".getBytes(StandardCharsets.UTF_8));
        }
        awaitGone(pid);

        assertEquals(VmState.STOPPED, chv.hypervisor.state(running, paths));
    }

    @Test
    void aHypervisorLingeringAfterVmShutdownReadsAsStoppedAndStartReplacesIt() throws Exception {
        FakeChv chv = new FakeChv(root, Map.of());
        VmPaths paths = chv.paths();
        VmRecord vm = FakeChv.withFiles(VmFixtures.ociVm(root, 512 * MIB));
        long pid = chv.hypervisor.launch(vm, paths);
        awaitBooted(paths);
        VmRecord running = vm.running(pid, Instant.now());
        new ChvApi(paths.runDir().resolve("api.sock"), Duration.ofSeconds(5)).shutdownVm();

        assertTrue(alive(pid), "the VMM stays after vm.shutdown");
        assertEquals(VmState.STOPPED, chv.hypervisor.state(running, paths));

        long second = chv.hypervisor.launch(running, paths);
        try {
            assertFalse(alive(pid), "the lingering VMM was ended");
            assertEquals(VmState.RUNNING, chv.hypervisor.state(vm.running(second, Instant.now()), paths));
        } finally {
            chv.hypervisor.powerOff(vm.running(second, Instant.now()), paths, Duration.ofSeconds(20), true);
        }
    }

    @Test
    void launchReturnsOnlyOnceTheVmBootedAndABootFailingAfterThePingFailsIt() throws Exception {
        FakeChv slow = new FakeChv(root, Map.of("FAKE_CHV_BOOT_DELAY_MS", "1500"));
        VmRecord vm = FakeChv.withFiles(VmFixtures.ociVm(root, 512 * MIB));
        long pid = slow.hypervisor.launch(vm, slow.paths());
        try {
            assertEquals(
                    VmInfo.RUNNING,
                    new ChvApi(slow.paths().runDir().resolve("api.sock"), Duration.ofSeconds(5))
                            .info()
                            .state());
        } finally {
            slow.hypervisor.powerOff(vm.running(pid, Instant.now()), slow.paths(), Duration.ofSeconds(20), true);
        }

        FakeChv doomed = new FakeChv(
                root,
                Map.of(
                        "FAKE_CHV_CREATE_DELAY_MS",
                        "1000",
                        "FAKE_CHV_BOOT_FAILURE",
                        "Failed to open disk image: No such file or directory (os error 2)"));
        HypervisorException error =
                assertThrows(HypervisorException.class, () -> doomed.hypervisor.launch(vm, doomed.paths()));
        assertTrue(error.getMessage().contains("No such file or directory"), error.getMessage());
    }

    // ---- network cards (issue #17), inside a network namespace the test makes (DESIGN §6) ----

    @Test
    void aBridgeVmBootsOnTheTapItsNetworkMadeWithItsMacAndNetworkWords() throws Exception {
        assumeTrue(NetworkNamespace.canCreate(), "making a network namespace and a TAP needs root and ip");
        try (NetworkNamespace namespace = NetworkNamespace.create("chv-tap")) {
            namespace.exec("ip", "tuntap", "add", "dev", VmFixtures.TAP, "mode", "tap");
            FakeChv chv = new FakeChv(root, Map.of(), Map.of(), namespace.launcher());
            VmPaths paths = chv.paths();
            VmRecord vm = FakeChv.withFiles(VmFixtures.bridgedOciVm(root, 512 * MIB));

            long pid = chv.hypervisor.launch(vm, paths);
            VmRecord running = vm.running(pid, Instant.now());
            try {
                assertEquals(VmState.RUNNING, chv.hypervisor.state(running, paths));
                JsonNode config = info(paths).get("config");
                assertEquals(
                        "[{\"tap\":\"ck0f3c9a2b7d41\",\"mac\":\"52:54:00:0f:3c:9a\",\"num_queues\":2,"
                                + "\"queue_size\":256,\"id\":\"_net3\"}]",
                        config.get("net").toString());
                assertTrue(
                        config.at("/payload/cmdline")
                                .asText()
                                .contains(" cocoon.hostname=web"
                                        + " cocoon.net=52:54:00:0f:3c:9a,192.0.2.2/24,192.0.2.1,192.0.2.53 "),
                        config.toString());
            } finally {
                chv.hypervisor.powerOff(running, paths, Duration.ofSeconds(20), false);
            }
            assertFalse(alive(pid));
            assertRunDirClean(paths);
        }
    }

    @Test
    void aBridgeVmWhoseTapIsGoneFailsToStartWithCloudHypervisorsReasonOnOneLine() throws Exception {
        assumeTrue(NetworkNamespace.canCreate(), "making a network namespace needs root and ip");
        try (NetworkNamespace namespace = NetworkNamespace.create("chv-notap")) {
            // Without CAP_NET_ADMIN, as an unprivileged Cloud Hypervisor runs: it may open a TAP, not make one.
            List<String> launcher = new ArrayList<>(namespace.launcher());
            launcher.addAll(List.of("setpriv", "--bounding-set=-net_admin"));
            FakeChv chv = new FakeChv(root, Map.of(), Map.of(), launcher);
            VmPaths paths = chv.paths();
            VmRecord vm = FakeChv.withFiles(VmFixtures.bridgedOciVm(root, 512 * MIB));

            HypervisorException error = assertThrows(HypervisorException.class, () -> chv.hypervisor.launch(vm, paths));

            assertTrue(
                    error.getMessage().startsWith("cloud-hypervisor exited while starting VM web: "),
                    error.getMessage());
            assertTrue(
                    error.getMessage()
                            .contains("3: Cannot create virtio-net device | 4: Failed to open taps | 5: Open tap device"
                                    + " failed | 6: Unable to configure tap interface | 7: Operation not permitted"
                                    + " (os error 1)"),
                    error.getMessage());
            assertFalse(error.getMessage().contains("\n"), error.getMessage());
            assertRunDirClean(paths);
        }
    }

    private static JsonNode info(VmPaths paths) throws IOException {
        var response = new UnixHttpClient(paths.runDir().resolve("api.sock"), Duration.ofSeconds(5))
                .send("GET", "/api/v1/vm.info", null, new byte[0]);
        assertEquals(200, response.status(), response.bodyText());
        return new ObjectMapper().readTree(response.body());
    }

    private static void awaitGone(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (alive(pid)) {
            assertTrue(System.nanoTime() < deadline, "pid " + pid + " still alive");
            Thread.sleep(20);
        }
    }

    /** Polls vm.info until the VM runs: the API answers before Cloud Hypervisor has created and booted the VM. */
    private static void awaitBooted(VmPaths paths) throws Exception {
        ChvApi api = new ChvApi(paths.runDir().resolve("api.sock"), Duration.ofSeconds(5));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                if (VmInfo.RUNNING.equals(api.info().state())) {
                    return;
                }
            } catch (IOException e) {
                // Not created yet (vm.info answers an error) or between bind and listen: ask again.
            }
            assertTrue(System.nanoTime() < deadline, "the VM never booted");
            Thread.sleep(20);
        }
    }

    /** Reads the first line the "guest" wrote to a PTY, as a console user would. */
    private static String firstLine(Path pty) throws Exception {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(
                () -> {
                    try (InputStream in = new FileInputStream(pty.toFile())) {
                        StringBuilder text = new StringBuilder();
                        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
                            text.append((char) c);
                        }
                        return text.toString().strip();
                    } catch (IOException e) {
                        return "unreadable: " + e;
                    }
                },
                runnable -> {
                    Thread reader = new Thread(runnable);
                    reader.setDaemon(true);
                    reader.start();
                });
        return line.get(10, TimeUnit.SECONDS);
    }
}
