package cocoon.plugin.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cocoon.api.BootSpec;
import cocoon.api.ConflictException;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.HypervisorException;
import cocoon.api.PluginContext;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmState;
import cocoon.plugin.qemu.qmp.QmpClient;
import cocoon.plugin.qemu.qmp.QmpCommand;
import cocoon.runtime.plugin.Contexts;
import cocoon.runtime.store.LockScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real {@code qemu-system-x86_64} under TCG with 128 MiB. A UEFI VM without a bootable disk is the
 * cheapest live VM: OVMF starts, finds nothing to boot and idles, and it ignores the ACPI power button.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QemuLiveTest {

    private static final Duration ACPI_WAIT = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private final List<ProcessHandle> started = new ArrayList<>();
    private PluginContext context;

    @BeforeEach
    void requireQemu() {
        context = context(Map.of());
        assumeTrue(context.processes().which("qemu-system-x86_64").isPresent(), "qemu-system-x86_64 is not installed");
        assumeTrue(Files.isReadable(Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd")), "OVMF is not installed");
    }

    @AfterEach
    void killEverythingStarted() {
        for (ProcessHandle process : started) {
            process.destroyForcibly();
            process.onExit().orTimeout(10, TimeUnit.SECONDS).join();
        }
    }

    private PluginContext context(Map<String, String> settings) {
        return Contexts.of(
                LockScope.hypervisor("qemu"),
                dir.resolve("root"),
                dir.resolve("run"),
                dir.resolve("log"),
                TestVms.settings(settings));
    }

    private QemuHypervisor qemu(PluginContext pluginContext) {
        return new QemuHypervisor(pluginContext, KvmHost.system());
    }

    private VmRecord idleUefiVm(String name) {
        return TestVms.record(name, "tcg", 128, BootSpec.firmware(), List.of());
    }

    private VmPaths paths(VmRecord vm) throws IOException {
        VmPaths paths = TestVms.paths(dir, vm.id());
        Files.createDirectories(paths.vmDir());
        return paths;
    }

    /** Launches and registers the process for cleanup before any assertion can fail. */
    private VmRecord launch(QemuHypervisor qemu, VmRecord vm, VmPaths paths) {
        long pid = qemu.launch(vm, paths);
        ProcessHandle.of(pid).ifPresent(started::add);
        return TestVms.withPid(vm, pid);
    }

    @Test
    void aLaunchedVmRunsHasAPtyConsoleAndPowersOffThroughQuitWhenTheGuestIgnoresAcpi() throws Exception {
        QemuHypervisor qemu = qemu(context);
        VmRecord created = idleUefiVm("idle");
        VmPaths paths = paths(created);

        VmRecord vm = launch(qemu, created, paths);

        assertEquals(
                vm.pid(),
                Long.parseLong(Files.readString(paths.runDir().resolve("pid")).strip()));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(paths.runDir())));
        assertEquals(
                Files.size(Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd")),
                Files.size(paths.vmDir().resolve("OVMF_VARS.fd")));
        assertTrue(Files.exists(paths.logDir().resolve("console.log")));
        assertEquals(VmState.RUNNING, qemu.state(vm, paths));
        Path console = qemu.console(vm, paths);
        assertEquals(paths.runDir().resolve("console.sock"), console);
        assertTrue(Files.exists(console), console + " does not exist");
        assertThrows(ConflictException.class, () -> qemu.launch(vm, paths));

        long start = System.nanoTime();
        qemu.powerOff(vm, paths, ACPI_WAIT, false);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertTrue(took.compareTo(ACPI_WAIT) >= 0, "powerOff did not wait for the guest: " + took);
        assertTrue(took.compareTo(ACPI_WAIT.plusSeconds(5)) < 0, "quit took too long: " + took);
        // Dead means gone or a zombie: QEMU is this JVM's child here, and the JVM reaps it a moment later.
        assertFalse(runsQemu(vm.pid()), "QEMU still runs");
        assertFalse(Files.exists(paths.runDir()), "run dir left behind");
        assertEquals(VmState.STOPPED, qemu.state(vm, paths));
        String log = Files.readString(paths.logDir().resolve("qemu.log"));
        assertFalse(log.contains("terminating on signal"), "QEMU was signalled instead of quit: " + log);
    }

    @Test
    void forcedPowerOffSkipsTheAcpiWait() throws Exception {
        QemuHypervisor qemu = qemu(context);
        VmRecord created = idleUefiVm("forced");
        VmPaths paths = paths(created);
        VmRecord vm = launch(qemu, created, paths);

        long start = System.nanoTime();
        qemu.powerOff(vm, paths, Duration.ofSeconds(60), true);

        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(10)) < 0);
        assertEquals(VmState.STOPPED, qemu.state(vm, paths));
    }

    @Test
    void aQemuThatExitsByItselfIsStopped() throws Exception {
        QemuHypervisor qemu = qemu(context);
        VmRecord created = idleUefiVm("poweroff");
        VmPaths paths = paths(created);
        VmRecord vm = launch(qemu, created, paths);

        // What a guest power-off does to QEMU: its main loop ends and it exits normally, as after quit.
        try (QmpClient qmp = QmpClient.connect(paths.runDir().resolve("qmp.sock"), Duration.ofSeconds(10))) {
            qmp.execute(QmpCommand.QUIT);
        }
        ProcessHandle.of(vm.pid()).ifPresent(process -> process.onExit().join());

        assertEquals(VmState.STOPPED, qemu.state(vm, paths));
    }

    @Test
    void aKilledQemuIsAnErrorAndItsLeftoversAreCleaned() throws Exception {
        QemuHypervisor qemu = qemu(context);
        VmRecord created = idleUefiVm("killed");
        VmPaths paths = paths(created);
        VmRecord vm = launch(qemu, created, paths);

        ProcessHandle process = ProcessHandle.of(vm.pid()).orElseThrow();
        process.destroyForcibly();
        process.onExit().get(10, TimeUnit.SECONDS);

        assertEquals(VmState.ERROR, qemu.state(vm, paths), "SIGKILL leaves the pid file: not a clean exit");
        assertEquals(VmState.ERROR, qemu.state(vm.failed("crashed"), paths));
        assertTrue(Files.exists(paths.runDir().resolve("qmp.sock")), "SIGKILL should leave the socket behind");
        qemu.powerOff(vm, paths, ACPI_WAIT, false);
        assertFalse(Files.exists(paths.runDir()));
    }

    @Test
    void aPidReusedByAnotherProgramIsNeitherRunningNorTouched() throws Exception {
        QemuHypervisor qemu = qemu(context);
        VmRecord created = idleUefiVm("reused");
        VmPaths paths = paths(created);
        Process sleep = new ProcessBuilder("sleep", "60").start();
        started.add(sleep.toHandle());
        VmRecord vm = TestVms.withPid(created, sleep.pid());

        assertEquals(VmState.STOPPED, qemu.state(vm, paths));
        assertThrows(ConflictException.class, () -> qemu.console(vm, paths));
        qemu.powerOff(vm, paths, ACPI_WAIT, true);

        assertTrue(sleep.isAlive(), "powerOff signalled a process that is not this VM's QEMU");
    }

    @Test
    void aMissingDiskFailsTheLaunchWithQemusOwnMessage() throws Exception {
        Path absent = dir.resolve("absent.raw");
        VmRecord vm = TestVms.record(
                "nodisk",
                "tcg",
                128,
                BootSpec.firmware(),
                List.of(new Disk(absent, DiskFormat.RAW, false, "cocoon-cow", null)));
        VmPaths paths = paths(vm);
        QemuHypervisor qemu = qemu(context);

        HypervisorException e = assertThrows(HypervisorException.class, () -> qemu.launch(vm, paths));

        assertTrue(
                e.getMessage().contains("Could not open '" + absent + "': No such file or directory"), e.getMessage());
        assertFalse(Files.exists(paths.runDir()), "run dir left behind");
    }

    @Test
    void aDiskInTheWrongFormatFailsTheLaunchWithQemusOwnMessage() throws Exception {
        Path notQcow2 = Files.writeString(dir.resolve("plain.img"), "not an image");
        VmRecord vm = TestVms.record(
                "badformat",
                "tcg",
                128,
                BootSpec.firmware(),
                List.of(new Disk(notQcow2, DiskFormat.QCOW2, false, null, null)));
        VmPaths paths = paths(vm);
        QemuHypervisor qemu = qemu(context);

        HypervisorException e = assertThrows(HypervisorException.class, () -> qemu.launch(vm, paths));

        assertTrue(e.getMessage().contains("Image is not in qcow2 format"), e.getMessage());
    }

    @Test
    void aProcessThatNeverAnswersQmpIsKilledAfterTheStartTimeout() throws Exception {
        // Stands in for a wedged QEMU: it keeps its arguments (so it is recognisably this VM's) and never listens.
        Path silent = dir.resolve("silent-qemu");
        Files.writeString(silent, "#!/bin/sh\nwhile :; do sleep 1; done\n");
        Files.setPosixFilePermissions(silent, PosixFilePermissions.fromString("rwx------"));
        QemuHypervisor qemu = qemu(context(Map.of("binary", silent.toString(), "start_timeout", "1s")));
        VmRecord vm = idleUefiVm("silent");
        VmPaths paths = paths(vm);

        long start = System.nanoTime();
        HypervisorException e = assertThrows(HypervisorException.class, () -> qemu.launch(vm, paths));

        assertTrue(e.getMessage().contains("did not answer"), e.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(8)) < 0);
        String marker = QemuFiles.of(paths).qmpOption();
        assertTrue(
                ProcessHandle.allProcesses()
                        .noneMatch(p -> p.info()
                                .arguments()
                                .map(args -> String.join(" ", args).contains(marker))
                                .orElse(false)),
                "the silent process survived");
    }

    /** Whether {@code pid} is a live (not zombie) QEMU. */
    private static boolean runsQemu(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String cmdline = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
            return cmdline.contains("qemu-system-x86_64") && stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }
}
