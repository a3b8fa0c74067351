package cocoon.plugin.qemu;

import cocoon.api.CocoonException;
import cocoon.api.ConflictException;
import cocoon.api.HypervisorException;
import cocoon.api.Processes;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.plugin.qemu.qmp.QmpClient;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/** Starts a VM's QEMU detached and returns only once QMP answers, or fails with what QEMU said. */
final class QemuLauncher {

    /**
     * QEMU opens its QMP socket 50-150 ms after exec; polling starts fine-grained so start returns
     * within a few ms of that, and backs off for a host so busy that QEMU takes seconds.
     */
    private static final Duration FIRST_RETRY = Duration.ofMillis(2);
    private static final Duration MAX_RETRY = Duration.ofMillis(10);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final int LOG_TAIL = 1500;

    private final Processes processes;
    private final QemuSettings settings;

    QemuLauncher(Processes processes, QemuSettings settings) {
        this.processes = processes;
        this.settings = settings;
    }

    long launch(VmRecord vm, VmPaths paths, List<String> argv) {
        QemuFiles files = QemuFiles.of(paths);
        QemuProcess.find(processes, vm, files).ifPresent(running -> {
            throw new ConflictException("VM " + vm.name() + " is already running (pid " + running.pid() + ")",
                    "stop it first with cocoon stop " + vm.name());
        });
        prepare(vm, paths, files);
        long logStart = sizeOf(files.qemuLog());
        long pid;
        try {
            pid = processes.spawnDetached(argv, files.qemuLog(), files.pidFile());
        } catch (CocoonException e) {
            RunDir.clean(paths.runDir());
            throw e;
        }
        QemuProcess process = new QemuProcess(processes, pid, files);
        awaitQmp(vm, paths, process, logStart);
        long written = QemuProcess.readPidFile(files.pidFile()).orElse(-1L);
        if (written != pid) {
            abandon(process, paths);
            throw new HypervisorException("QEMU's pid file says " + written + " but the started process is " + pid,
                    "the process helper must report the pid QEMU runs as; report this as a bug");
        }
        return pid;
    }

    private void prepare(VmRecord vm, VmPaths paths, QemuFiles files) {
        try {
            createPrivateDirectory(paths.runDir());
            createPrivateDirectory(paths.logDir());
            // A QEMU that was killed leaves its pid file and socket behind; they must not be mistaken for the new one's.
            Files.deleteIfExists(files.pidFile());
            Files.deleteIfExists(files.qmpSocket());
            if (!vm.boot().bootsKernel()) {
                prepareFirmware(files.firmwareVars());
            }
        } catch (IOException e) {
            throw new HypervisorException("cannot prepare the folders of VM " + vm.name() + ": " + e.getMessage(),
                    "check that " + paths.runDir().getParent() + " and " + paths.logDir().getParent() + " are writable");
        }
    }

    /** UEFI writes its variables (boot entries) to flash, so each VM gets its own copy of the template. */
    private void prepareFirmware(Path vmVars) throws IOException {
        requireFirmware(settings.firmwareCode(), "firmware_code");
        if (Files.exists(vmVars)) {
            return;
        }
        requireFirmware(settings.firmwareVars(), "firmware_vars");
        Path partial = vmVars.resolveSibling(vmVars.getFileName() + ".partial");
        Files.copy(settings.firmwareVars(), partial, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-------"));
        Files.move(partial, vmVars, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void requireFirmware(Path file, String key) {
        if (!Files.isReadable(file)) {
            throw new HypervisorException("UEFI firmware not found at " + file,
                    "install the ovmf package or set [qemu] " + key);
        }
    }

    private void awaitQmp(VmRecord vm, VmPaths paths, QemuProcess process, long logStart) {
        QemuFiles files = QemuFiles.of(paths);
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        Duration retry = FIRST_RETRY;
        while (true) {
            if (process.startFailed()) {
                RunDir.clean(paths.runDir());
                throw new HypervisorException("QEMU exited while starting VM " + vm.name() + ": "
                        + logTail(files.qemuLog(), logStart),
                        "fix what QEMU reports above (full log: " + files.qemuLog() + ")");
            }
            // Connecting before QEMU has made its socket, or before it accepts on it, fails at once. Trying
            // from the first poll on (not once the socket exists) loads the JDK's socket classes while QEMU
            // is still starting rather than after it answers.
            if (QmpClient.greets(files.qmpSocket(), CONNECT_TIMEOUT)) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                abandon(process, paths);
                throw new HypervisorException("QEMU did not answer on " + files.qmpSocket() + " within "
                        + settings.startTimeout().toSeconds() + " s; it was stopped. Log: " + logTail(files.qemuLog(), logStart),
                        "raise [qemu] start_timeout if the host is busy");
            }
            QemuProcess.sleep(retry);
            retry = retry.multipliedBy(2).compareTo(MAX_RETRY) < 0 ? retry.multipliedBy(2) : MAX_RETRY;
        }
    }

    private static void abandon(QemuProcess process, VmPaths paths) {
        process.signal(true);
        process.awaitExit(Duration.ofSeconds(5));
        RunDir.clean(paths.runDir());
    }

    private static void createPrivateDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }

    private static long sizeOf(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The end of what QEMU wrote to its log since {@code from}, on one line. */
    static String logTail(Path log, long from) {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long start = Math.max(from, file.length() - LOG_TAIL);
            byte[] bytes = new byte[(int) (file.length() - start)];
            file.seek(start);
            file.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "(QEMU logged nothing)" : text.replaceAll("\\s*\\n\\s*", " | ");
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }
}
