package cocoon.runtime.vmm;

import cocoon.api.CocoonException;
import cocoon.api.ConflictException;
import cocoon.api.HypervisorException;
import cocoon.api.Processes;
import cocoon.api.ToolException;
import cocoon.api.VmRecord;
import cocoon.api.VmState;
import cocoon.api.VmmControl;
import cocoon.api.VmmLayout;
import cocoon.api.VmmProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;

/** {@link VmmProcess} for every driver: a detached process named by its pid file and told apart by its marker. */
final class DetachedVmm implements VmmProcess {

    /** Hypervisors serve their socket 50-150 ms after exec: poll finely at first, then back off for a busy host. */
    private static final Duration FIRST_RETRY = Duration.ofMillis(2);

    private static final Duration MAX_RETRY = Duration.ofMillis(10);
    private static final Duration POLL = Duration.ofMillis(50);
    /** A guest still booting has no power-button handler yet, and a press it misses is lost: press again. */
    static final Duration BUTTON_REPEAT = Duration.ofSeconds(2);
    /** An exiting process loses its command line before it has closed its disks and sockets. */
    private static final Duration EXIT_SETTLE = Duration.ofSeconds(1);

    private final Processes processes;
    private final VmmLayout layout;
    private final VmmControl control;
    private final Duration stopGrace;

    DetachedVmm(Processes processes, VmmLayout layout, VmmControl control, Duration stopGrace) {
        this.processes = processes;
        this.layout = layout;
        this.control = control;
        this.stopGrace = stopGrace;
    }

    @Override
    public long livePid(long recordedPid) {
        return LongStream.of(recordedPid, pidFromFile())
                .filter(this::isOurs)
                .findFirst()
                .orElse(0);
    }

    @Override
    public long launch(VmRecord vm, List<String> argv, Duration startTimeout) {
        long previous = livePid(vm.pid());
        if (previous != 0) {
            if (control.guest() != VmState.STOPPED) {
                throw new ConflictException(
                        "VM " + vm.name() + " is already running (pid " + previous + ")",
                        "stop it first with cocoon stop " + vm.name());
            }
            // The guest is off but its hypervisor lingers (it was told to shut the VM down, not to exit).
            hardStop(vm, previous);
        }
        RunFolder.prepare(layout);
        long logStart = LogTail.size(layout.log());
        long pid;
        try {
            RunFolder.createPidFile(layout);
            pid = DetachedLaunch.start(requireSetsid(argv), argv, layout.log(), layout.pidFile());
        } catch (IOException | CocoonException e) {
            RunFolder.clean(layout);
            throw e instanceof CocoonException ce
                    ? ce
                    : new ToolException(
                            argv,
                            "cannot start " + program(argv) + ": " + e.getMessage(),
                            "check that it is installed and executable (cocoon doctor)");
        }
        awaitControl(vm, argv, pid, logStart, startTimeout);
        return pid;
    }

    @Override
    public VmState state(VmRecord vm) {
        if (livePid(vm.pid()) != 0) {
            return control.guest();
        }
        if (vm.state() != VmState.RUNNING) {
            return vm.state();
        }
        // No pid file: a stop cleaned the run folder, or the host rebooted and emptied it. One left behind
        // means the process ended without Cocoon: the driver knows whether it went by itself.
        return !Files.exists(layout.pidFile()) || control.endedCleanly() ? VmState.STOPPED : VmState.ERROR;
    }

    @Override
    public void powerOff(VmRecord vm, Duration timeout, boolean force) {
        long pid = livePid(vm.pid());
        if (pid != 0 && (force || !pressUntilOff(pid, timeout))) {
            hardStop(vm, pid);
        }
        RunFolder.clean(layout);
    }

    /** True once the process has ended; false when the timeout passed or the API cannot take the button at all. */
    private boolean pressUntilOff(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextPress = System.nanoTime();
        while (true) {
            if (!isOurs(pid)) {
                settle(pid);
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            if (System.nanoTime() - nextPress >= 0) {
                if (!control.pressPowerButton() && !control.answers()) {
                    return false;
                }
                nextPress = System.nanoTime() + BUTTON_REPEAT.toNanos();
            }
            pause(POLL);
        }
    }

    private void hardStop(VmRecord vm, long pid) {
        control.quit();
        if (awaitExit(pid, stopGrace)) {
            return;
        }
        signal(pid, false);
        if (awaitExit(pid, stopGrace)) {
            return;
        }
        signal(pid, true);
        if (!awaitExit(pid, stopGrace)) {
            throw new HypervisorException(
                    "the " + layout.hypervisor() + " process (pid " + pid + ") of VM " + vm.name()
                            + " survived SIGKILL",
                    "it is stuck in the kernel: see ps -o pid,stat,wchan -p " + pid
                            + " and reboot the host if it stays");
        }
    }

    private void awaitControl(VmRecord vm, List<String> argv, long pid, long logStart, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Duration retry = FIRST_RETRY;
        while (true) {
            // Not isOurs: until the launcher's shell has exec'd the program its command line may read empty.
            if (!ProcTable.exists(pid)) {
                RunFolder.clean(layout);
                throw new HypervisorException(
                        program(argv) + " exited while starting VM " + vm.name() + ": "
                                + LogTail.since(layout.log(), logStart),
                        "the whole output is in " + layout.log());
            }
            if (control.answers()) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                hardStop(vm, pid);
                RunFolder.clean(layout);
                throw new HypervisorException(
                        program(argv) + " (pid " + pid + ") did not answer on " + layout.controlSocket() + " within "
                                + timeout.toSeconds() + " s and was stopped: " + LogTail.since(layout.log(), logStart),
                        "if the host is slow, raise start_timeout in the [" + layout.hypervisor()
                                + "] section of the config; the whole output is in " + layout.log());
            }
            pause(retry);
            retry = retry.multipliedBy(2).compareTo(MAX_RETRY) < 0 ? retry.multipliedBy(2) : MAX_RETRY;
        }
    }

    private boolean awaitExit(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isOurs(pid)) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            pause(POLL);
        }
        settle(pid);
        return true;
    }

    /** Waits a moment for a process that lost its command line to be gone altogether (a zombie has closed everything). */
    private static void settle(long pid) {
        long settled = System.nanoTime() + EXIT_SETTLE.toNanos();
        while (ProcTable.exists(pid) && System.nanoTime() - settled < 0) {
            pause(POLL);
        }
    }

    /** Only while the pid is still this VM's hypervisor: a reused pid is never signalled. */
    private void signal(long pid, boolean kill) {
        if (isOurs(pid)) {
            ProcTable.signal(pid, kill);
        }
    }

    private boolean isOurs(long pid) {
        return ProcTable.runs(pid, layout.marker());
    }

    private long pidFromFile() {
        // A stopped VM has none, and ps asks for every VM: a failed access() is cheaper than a failed open's exception.
        if (!Files.exists(layout.pidFile())) {
            return 0;
        }
        try {
            return Long.parseLong(Files.readString(layout.pidFile(), StandardCharsets.US_ASCII)
                    .strip());
        } catch (IOException | NumberFormatException e) {
            // Empty (a start is writing it), torn or foreign: it names no process of ours.
            return 0;
        }
    }

    /** setsid (util-linux) gives the hypervisor a session of its own and keeps it from being this JVM's child. */
    private Path requireSetsid(List<String> argv) {
        // Without it the pid file could not be written before the program runs, as the contract says.
        return processes
                .which("setsid")
                .orElseThrow(() -> new ToolException(
                        argv, "cannot start " + program(argv) + ": setsid is not installed", "install util-linux"));
    }

    private static String program(List<String> argv) {
        return Path.of(argv.get(0)).getFileName().toString();
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HypervisorException("interrupted while waiting for the hypervisor", "run the command again");
        }
    }
}
