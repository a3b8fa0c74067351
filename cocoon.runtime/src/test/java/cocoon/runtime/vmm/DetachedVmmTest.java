package cocoon.runtime.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.BootSpec;
import cocoon.api.ConflictException;
import cocoon.api.HypervisorException;
import cocoon.api.VmRecord;
import cocoon.api.VmSpec;
import cocoon.api.VmState;
import cocoon.api.VmmControl;
import cocoon.api.VmmLayout;
import cocoon.api.VmmProcess;
import cocoon.runtime.host.HostProcesses;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hypervisor-process machinery with a real detached program standing in for the hypervisor
 * ({@code tail -f} of a file named like the VM's control socket, so the marker is on its command line)
 * and a scripted control API.
 */
class DetachedVmmTest {

    @TempDir
    Path dir;

    private final ScriptedControl control = new ScriptedControl(this::tailRuns);
    private long started;

    @AfterEach
    void killLeftover() {
        if (started > 0) {
            ProcessHandle.of(started).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private VmmLayout layout() {
        Path run = dir.resolve("run");
        Path socket = run.resolve("ctl.sock");
        return new VmmLayout(
                "fake",
                run,
                socket,
                socket.toString(),
                dir.resolve("log/vmm.log"),
                List.of(dir.resolve("log/console.log")),
                List.of(run.resolve("events")));
    }

    /** Like a real API, the stand-in answers once the program runs: after the launcher's shell has exec'd it. */
    private boolean tailRuns() {
        try {
            String pid = Files.readString(layout().pidFile()).strip();
            return Files.readString(Path.of("/proc", pid, "cmdline")).startsWith("tail\0");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private VmmProcess process() {
        return new HostVmmProcesses(new HostProcesses()).of(layout(), control, Duration.ofSeconds(2));
    }

    /** A program whose command line carries the marker: {@code tail -F} keeps following the socket path, which never exists. */
    private List<String> hypervisor() {
        return List.of("tail", "-F", layout().controlSocket().toString());
    }

    private long launch(VmRecord vm) {
        started = process().launch(vm, hypervisor(), Duration.ofSeconds(10));
        return started;
    }

    /** Gone or a zombie: the program is not this JVM's child, and init reaps it when it will. */
    private static void awaitGone(long pid) throws InterruptedException {
        for (int i = 0; i < 500 && ProcTable.exists(pid); i++) {
            Thread.sleep(10);
        }
        assertFalse(ProcTable.exists(pid), pid + " still runs");
    }

    private static VmRecord vm(VmState state, long pid) {
        return new VmRecord(
                "0123456789abcdef",
                "web",
                state,
                new VmSpec("web", 1, 64L << 20, 64L << 20, "fake", Map.of(), null),
                new VmRecord.ImageRef("oci", "example/demo:1", "sha256:ab"),
                BootSpec.firmware(),
                List.of(),
                Instant.EPOCH,
                null,
                pid,
                null,
                null);
    }

    @Test
    void theStateContract() throws Exception {
        VmmProcess process = process();
        assertEquals(VmState.CREATED, process.state(vm(VmState.CREATED, 0)), "never started");

        long pid = launch(vm(VmState.CREATED, 0));
        assertEquals(
                pid, Long.parseLong(Files.readString(layout().pidFile()).strip()), "the pid file names the process");
        assertEquals(pid, process.livePid(0), "found through the pid file when the record has no pid");
        control.guest = VmState.RUNNING;
        assertEquals(VmState.RUNNING, process.state(vm(VmState.RUNNING, pid)));
        control.guest = VmState.STOPPED;
        assertEquals(VmState.STOPPED, process.state(vm(VmState.RUNNING, pid)), "alive, guest off: what the API says");

        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        awaitGone(pid);
        control.endedCleanly = false;
        assertEquals(VmState.ERROR, process.state(vm(VmState.RUNNING, pid)), "killed");
        control.endedCleanly = true;
        assertEquals(
                VmState.STOPPED, process.state(vm(VmState.RUNNING, pid)), "ended by itself: the guest powered off");
        control.endedCleanly = false;
        Files.delete(layout().pidFile());
        assertEquals(
                VmState.STOPPED, process.state(vm(VmState.RUNNING, pid)), "run folder emptied by a stop or a reboot");
        assertEquals(VmState.STOPPED, process.state(vm(VmState.STOPPED, 0)), "recorded stopped, nothing runs");
        assertEquals(VmState.ERROR, process.state(vm(VmState.ERROR, 0)), "recorded error, nothing runs");
    }

    @Test
    void filesAreMadePrivateWhateverTheUmask() throws Exception {
        long pid = launch(vm(VmState.CREATED, 0));
        assertTrue(pid > 0);
        assertEquals("rwx------", mode(layout().runDir()));
        assertEquals("rwx------", mode(dir.resolve("log")));
        assertEquals("rw-------", mode(layout().pidFile()));
        assertEquals("rw-------", mode(layout().log()));
        assertEquals("rw-------", mode(dir.resolve("log/console.log")));
    }

    @Test
    void theButtonIsPressedAgainUntilTheGuestListensThenTheRunFolderIsCleanedButNotTheConsoleLock() throws Exception {
        long pid = launch(vm(VmState.CREATED, 0));
        Files.writeString(layout().runDir().resolve("events"), "{}");
        // A guest still booting misses the first press; its handler runs from the second one on.
        control.onPress = presses -> {
            if (presses == 2) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
            }
            return true;
        };
        Path lockFile = layout().runDir().resolve("console.lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock console = channel.lock()) {
            long begin = System.nanoTime();
            process().powerOff(vm(VmState.RUNNING, pid), Duration.ofSeconds(30), false);
            Duration took = Duration.ofNanos(System.nanoTime() - begin);

            assertEquals(2, control.presses.get());
            assertTrue(
                    took.compareTo(DetachedVmm.BUTTON_REPEAT) >= 0 && took.compareTo(Duration.ofSeconds(10)) < 0,
                    took.toString());
            assertFalse(ProcTable.exists(pid));
            assertEquals(0, control.quits.get(), "the guest went off by itself: no quit");
            assertFalse(Files.exists(layout().pidFile()));
            assertFalse(Files.exists(layout().controlSocket()));
            assertFalse(Files.exists(layout().runDir().resolve("events")));
            assertTrue(Files.exists(lockFile) && console.isValid(), "the console session's lock was removed");
        }
    }

    @Test
    void aGuestThatIgnoresTheButtonIsQuitThenSignalledAfterTheTimeout() throws Exception {
        long pid = launch(vm(VmState.CREATED, 0));
        control.onPress = presses -> true;

        process().powerOff(vm(VmState.RUNNING, pid), Duration.ofMillis(300), false);

        assertEquals(1, control.quits.get());
        assertFalse(ProcTable.exists(pid), "SIGTERM after quit did not end it");
    }

    @Test
    void aHypervisorWhoseApiIsGoneIsStoppedAtOnceNotAfterTheTimeout() throws Exception {
        long pid = launch(vm(VmState.CREATED, 0));
        control.onPress = presses -> false;
        control.onAnswers = () -> false;

        long begin = System.nanoTime();
        process().powerOff(vm(VmState.RUNNING, pid), Duration.ofSeconds(60), false);

        assertTrue(Duration.ofNanos(System.nanoTime() - begin).compareTo(Duration.ofSeconds(10)) < 0);
        assertFalse(ProcTable.exists(pid));
    }

    @Test
    void aRunningHypervisorIsNotStartedTwiceButALingeringOneIsReplaced() throws Exception {
        long first = launch(vm(VmState.CREATED, 0));
        control.guest = VmState.RUNNING;
        assertThrows(
                ConflictException.class,
                () -> process().launch(vm(VmState.RUNNING, first), hypervisor(), Duration.ofSeconds(10)));

        control.guest = VmState.STOPPED;
        long second = launch(vm(VmState.STOPPED, first));
        assertTrue(second != first);
        assertFalse(ProcTable.exists(first), "the lingering one was not ended");
        assertEquals(1, control.quits.get());
    }

    @Test
    void aHypervisorThatExitsAtStartFailsTheStartWithWhatItSaid() throws IOException {
        HypervisorException failure = assertThrows(
                HypervisorException.class,
                () -> process()
                        .launch(
                                vm(VmState.CREATED, 0),
                                List.of(
                                        "sh",
                                        "-c",
                                        "echo 'Error booting VM: no kernel' >&2; exit 1",
                                        layout().controlSocket().toString()),
                                Duration.ofSeconds(10)));
        assertTrue(
                failure.getMessage().contains("exited while starting VM web: Error booting VM: no kernel"),
                failure.getMessage());
        assertFalse(Files.exists(layout().pidFile()), "pid file left behind");
    }

    @Test
    void aHypervisorThatNeverAnswersIsStoppedAfterTheStartTimeout() {
        control.onAnswers = () -> false;
        HypervisorException failure = assertThrows(
                HypervisorException.class,
                () -> process().launch(vm(VmState.CREATED, 0), hypervisor(), Duration.ofMillis(500)));
        assertTrue(failure.getMessage().contains("did not answer"), failure.getMessage());
        assertTrue(failure.hint().contains("[fake]"), failure.hint());
        assertTrue(
                ProcessHandle.allProcesses()
                        .noneMatch(p -> p.info()
                                        .arguments()
                                        .map(args -> List.of(args)
                                                .contains(
                                                        layout().controlSocket().toString()))
                                        .orElse(false)
                                && ProcTable.exists(p.pid())),
                "the silent process still runs");
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    /** A control API whose answers each test sets. */
    private static final class ScriptedControl implements VmmControl {
        volatile VmState guest = VmState.RUNNING;
        volatile boolean endedCleanly;
        volatile java.util.function.BooleanSupplier onAnswers;
        volatile java.util.function.IntPredicate onPress = presses -> true;
        final AtomicInteger presses = new AtomicInteger();
        final AtomicInteger quits = new AtomicInteger();

        ScriptedControl(java.util.function.BooleanSupplier answers) {
            this.onAnswers = answers;
        }

        @Override
        public boolean answers() {
            return onAnswers.getAsBoolean();
        }

        @Override
        public VmState guest() {
            return guest;
        }

        @Override
        public boolean pressPowerButton() {
            return onPress.test(presses.incrementAndGet());
        }

        @Override
        public void quit() {
            quits.incrementAndGet();
        }

        @Override
        public boolean endedCleanly() {
            return endedCleanly;
        }
    }
}
