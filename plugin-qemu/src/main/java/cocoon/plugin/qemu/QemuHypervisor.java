package cocoon.plugin.qemu;

import cocoon.api.Availability;
import cocoon.api.ConflictException;
import cocoon.api.Hypervisor;
import cocoon.api.HypervisorException;
import cocoon.api.PluginContext;
import cocoon.api.Processes;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmState;
import cocoon.plugin.qemu.qmp.QmpClient;
import cocoon.plugin.qemu.qmp.QmpCommand;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Runs each VM as one {@code qemu-system-x86_64} process and drives it over QMP. */
final class QemuHypervisor implements Hypervisor {

    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration QUIT_GRACE = Duration.ofSeconds(5);
    private static final Duration SIGNAL_GRACE = Duration.ofSeconds(5);

    private final Processes processes;
    private final QemuSettings settings;
    private final KvmHost host;
    private final QemuVersion version;

    QemuHypervisor(PluginContext context, KvmHost host) {
        this.processes = context.processes();
        this.settings = QemuSettings.from(context.settings());
        this.host = host;
        this.version = new QemuVersion(processes, context.runDir());
    }

    @Override
    public String name() {
        return "qemu";
    }

    @Override
    public Availability check() {
        Optional<Path> binary = processes.which(settings.binary());
        if (binary.isEmpty()) {
            return Availability.missing(settings.binary() + " not found: install qemu-system-x86 or set [qemu] binary");
        }
        Acceleration accel = Acceleration.choose(null, settings.accel(), host);
        String detail = version.of(binary.get()) + " at " + binary.get() + "; " + accel.reason();
        if (!Files.isReadable(settings.firmwareCode())) {
            detail += "; no UEFI firmware at " + settings.firmwareCode() + ": images without a kernel will not boot (install ovmf)";
        }
        return accel.usable() ? Availability.ok(detail) : Availability.missing(detail + "; set [qemu] accel = \"tcg\"");
    }

    @Override
    public List<String> command(VmRecord vm, VmPaths paths) {
        return QemuCommandLine.render(settings, acceleration(vm), vm, paths);
    }

    Acceleration acceleration(VmRecord vm) {
        return Acceleration.choose(vm.spec().accel(), settings.accel(), host);
    }

    @Override
    public long launch(VmRecord vm, VmPaths paths) {
        Acceleration accel = acceleration(vm);
        if (!accel.usable()) {
            throw new HypervisorException(accel.reason(), "start it with --accel tcg, or fix access to /dev/kvm");
        }
        return new QemuLauncher(processes, settings).launch(vm, paths, command(vm, paths));
    }

    @Override
    public VmState state(VmRecord vm, VmPaths paths) {
        QemuFiles files = QemuFiles.of(paths);
        Optional<QemuProcess> process = QemuProcess.find(processes, vm, files);
        if (process.isEmpty()) {
            // QEMU deletes its pid file when it exits by itself (the guest powered off, quit, SIGTERM); after
            // SIGKILL or a crash the file stays, and so does a record that says running.
            boolean vanished = vm.state() == VmState.RUNNING && Files.exists(files.pidFile());
            return vm.state() == VmState.ERROR || vanished ? VmState.ERROR : VmState.STOPPED;
        }
        try (QmpClient qmp = process.get().qmp(QMP_TIMEOUT)) {
            String status = qmp.execute(QmpCommand.QUERY_STATUS).status();
            return switch (status) {
                case "guest-panicked", "internal-error", "io-error" -> VmState.ERROR;
                default -> VmState.RUNNING;
            };
        } catch (IOException e) {
            // The process is ours and alive but its control socket is gone or silent: neither running nor stopped.
            return VmState.ERROR;
        }
    }

    @Override
    public void powerOff(VmRecord vm, VmPaths paths, Duration timeout, boolean force) {
        try {
            Optional<QemuProcess> found = QemuProcess.find(processes, vm, QemuFiles.of(paths));
            if (found.isEmpty()) {
                return;
            }
            QemuProcess process = found.get();
            if (!force && process.request(QmpCommand.SYSTEM_POWERDOWN, QMP_TIMEOUT) && process.awaitExit(timeout)) {
                return;
            }
            process.request(QmpCommand.QUIT, QMP_TIMEOUT);
            if (process.awaitExit(QUIT_GRACE)) {
                return;
            }
            process.signal(false);
            if (process.awaitExit(SIGNAL_GRACE)) {
                return;
            }
            process.signal(true);
            if (!process.awaitExit(SIGNAL_GRACE)) {
                throw new HypervisorException("QEMU (pid " + process.pid() + ") of VM " + vm.name()
                        + " did not exit even after SIGKILL",
                        "look for a process stuck in the kernel: ps -o pid,stat,wchan -p " + process.pid());
            }
        } finally {
            RunDir.clean(paths.runDir());
        }
    }

    @Override
    public Path console(VmRecord vm, VmPaths paths) {
        QemuProcess process = QemuProcess.find(processes, vm, QemuFiles.of(paths))
                .orElseThrow(() -> new ConflictException("VM " + vm.name() + " is not running",
                        "start it with cocoon start " + vm.name()));
        List<QmpCommand.ChardevInfo> chardevs;
        try (QmpClient qmp = process.qmp(QMP_TIMEOUT)) {
            chardevs = qmp.execute(QmpCommand.QUERY_CHARDEV);
        } catch (IOException e) {
            throw new HypervisorException("cannot ask QEMU of VM " + vm.name() + " for its console: " + e.getMessage(),
                    "check " + QemuFiles.of(paths).qemuLog() + "; cocoon stop --force " + vm.name() + " ends it");
        }
        return chardevs.stream()
                .filter(chardev -> QemuCommandLine.CONSOLE_CHARDEV.equals(chardev.label()))
                .map(QmpCommand.ChardevInfo::filename)
                .filter(filename -> filename != null && filename.startsWith("pty:"))
                .map(filename -> Path.of(filename.substring("pty:".length())))
                .findFirst()
                .orElseThrow(() -> new HypervisorException("QEMU of VM " + vm.name() + " has no PTY console",
                        "the VM was started by another tool or an older Cocoon; restart it"));
    }
}
