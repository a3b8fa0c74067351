package cocoon.plugin.chv;

import cocoon.api.HypervisorException;
import cocoon.api.Processes;
import cocoon.plugin.chv.cli.VmFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.stream.LongStream;

/**
 * One VM's hypervisor process, known by its pid file and recognised by its API socket path on its
 * command line: a pid that the kernel has since given to another program is never signalled.
 */
final class VmProcess {

    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration EXIT_SETTLE = Duration.ofSeconds(1);

    private final Processes processes;
    private final VmFiles files;

    VmProcess(Processes processes, VmFiles files) {
        this.processes = processes;
        this.files = files;
    }

    /** The pid of this VM's live hypervisor (from the record, else the pid file), or 0 if there is none. */
    long livePid(long recordedPid) {
        return LongStream.of(recordedPid, readPidFile()).filter(this::isOurs).findFirst().orElse(0);
    }

    boolean isOurs(long pid) {
        return pid > 0 && processes.isAlive(pid, files.apiSocket().toString());
    }

    boolean awaitExit(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isOurs(pid)) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            pause();
        }
        // An exiting process loses its command line before it closes its files (disks, socket): let it
        // finish. A zombie has closed them all; the VMM is not our child, so init reaps it when it will.
        long settled = System.nanoTime() + EXIT_SETTLE.toNanos();
        while (processes.exists(pid) && System.nanoTime() - settled < 0) {
            pause();
        }
        return true;
    }

    /** SIGTERM, or SIGKILL when {@code kill}; only while the pid is still this VM's hypervisor. */
    void signal(long pid, boolean kill) {
        if (isOurs(pid)) {
            ProcessHandle.of(pid).ifPresent(handle -> {
                if (kill) {
                    handle.destroyForcibly();
                } else {
                    handle.destroy();
                }
            });
        }
    }

    long readPidFile() {
        // A stopped VM has none, and ps asks for every VM: a failed access() is cheaper than a failed open's exception.
        if (!Files.exists(files.pidFile())) {
            return 0;
        }
        try {
            return Long.parseLong(Files.readString(files.pidFile(), StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            // A missing, torn or foreign pid file names no process of ours.
            return 0;
        }
    }

    /** Removes the socket and pid file a dead hypervisor left, and the run folder once it is empty. */
    void clean() {
        try {
            Files.deleteIfExists(files.apiSocket());
            Files.deleteIfExists(files.pidFile());
            Files.deleteIfExists(files.runDir());
        } catch (DirectoryNotEmptyException e) {
            // Something else lives in the run folder; it is not ours to remove.
        } catch (IOException e) {
            throw new HypervisorException("cannot clean " + files.runDir() + ": " + e.getMessage(),
                    "remove the socket and pid file by hand");
        }
    }

    static void pause() {
        pause(POLL);
    }

    static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HypervisorException("interrupted while waiting for cloud-hypervisor", "run the command again");
        }
    }
}
