package cocoon.plugin.qemu;

import cocoon.api.HypervisorException;
import cocoon.api.Processes;
import cocoon.api.VmRecord;
import cocoon.plugin.qemu.qmp.QmpClient;
import cocoon.plugin.qemu.qmp.QmpCommand;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One VM's live QEMU process. Every check goes through {@link Processes#isAlive} with the VM's own
 * QMP socket as marker, so a pid the kernel has since handed to another program is never touched.
 */
final class QemuProcess {

    private static final Duration POLL = Duration.ofMillis(50);

    private final Processes processes;
    private final long pid;
    private final QemuFiles files;

    QemuProcess(Processes processes, long pid, QemuFiles files) {
        this.processes = processes;
        this.pid = pid;
        this.files = files;
    }

    /**
     * The VM's QEMU if it is alive: the record's pid, else the one in QEMU's own pid file (a start whose
     * record update was lost still leaves that behind).
     */
    static Optional<QemuProcess> find(Processes processes, VmRecord vm, QemuFiles files) {
        return Stream.concat(Stream.of(vm.pid()), readPidFile(files.pidFile()).stream())
                .filter(pid -> pid > 0)
                .distinct()
                .map(pid -> new QemuProcess(processes, pid, files))
                .filter(QemuProcess::alive)
                .findFirst();
    }

    static Optional<Long> readPidFile(Path pidFile) {
        // A stopped VM has none, and ps asks for every VM: a failed access() is cheaper than a failed open's exception.
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(Files.readString(pidFile).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    long pid() {
        return pid;
    }

    boolean alive() {
        return processes.isAlive(pid, files.qmpOption());
    }

    /**
     * Whether the process QEMU was started as has ended. Not the same as {@code !alive()}: until the
     * process helper's forked child execs QEMU in place, its command line is the helper's (and reads
     * empty for a moment during the exec), so the marker is missing from a process that is about to
     * become this VM's QEMU.
     */
    boolean startFailed() {
        return !alive() && !processes.exists(pid);
    }

    QmpClient qmp(Duration timeout) throws IOException {
        return QmpClient.connect(files.qmpSocket(), timeout);
    }

    /** Sends one command in its own session; false if QEMU could not be reached or refused it. */
    boolean request(QmpCommand<?> command, Duration timeout) {
        try (QmpClient client = qmp(timeout)) {
            client.execute(command);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    boolean awaitExit(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (alive()) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            sleep(POLL);
        }
        return true;
    }

    /** SIGTERM, or SIGKILL when {@code force}; only while the pid is still this VM's QEMU. */
    void signal(boolean force) {
        if (!alive()) {
            return;
        }
        ProcessHandle.of(pid).ifPresent(handle -> {
            if (force) {
                handle.destroyForcibly();
            } else {
                handle.destroy();
            }
        });
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HypervisorException("interrupted while waiting for QEMU", "run the command again", e);
        }
    }
}
