package cocoon.plugin.qemu;

import cocoon.api.Availability;
import cocoon.api.ConflictException;
import cocoon.api.Hypervisor;
import cocoon.api.HypervisorException;
import cocoon.api.InvalidInputException;
import cocoon.api.Nic;
import cocoon.api.PluginContext;
import cocoon.api.Processes;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmmProcess;
import cocoon.api.VmmProcesses;
import cocoon.plugin.qemu.qmp.QmpClient;
import cocoon.plugin.qemu.qmp.QmpCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Runs each VM as one {@code qemu-system-x86_64} process and drives it over QMP. */
final class QemuHypervisor implements Hypervisor {

    static final String NAME = "qemu";
    /** The VM option {@code create --accel} sets. */
    static final String ACCEL = "accel";

    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final Processes processes;
    private final VmmProcesses vmms;
    private final QemuSettings settings;
    private final KvmHost host;
    private final QemuVersion version;

    QemuHypervisor(PluginContext context, KvmHost host) {
        this.processes = context.processes();
        this.vmms = context.vmms();
        this.settings = new QemuSettings(context.settings());
        this.host = host;
        this.version = new QemuVersion(processes, context.runDir());
    }

    @Override
    public String name() {
        return NAME;
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
            detail += "; no UEFI firmware at " + settings.firmwareCode()
                    + ": images without a kernel will not boot (install ovmf)";
        }
        return accel.usable() ? Availability.ok(detail) : Availability.missing(detail + "; set [qemu] accel = \"tcg\"");
    }

    /** {@code accel}: auto, kvm or tcg; a VM's own choice wins over {@code [qemu] accel}. */
    @Override
    public Map<String, String> options(Map<String, String> requested) {
        for (String key : requested.keySet()) {
            if (!key.equals(ACCEL)) {
                throw new InvalidInputException(
                        "QEMU has no VM option '" + key + "'", "QEMU takes --accel auto|kvm|tcg");
            }
        }
        String accel = requested.get(ACCEL);
        return accel == null
                ? Map.of()
                : Map.of(ACCEL, Acceleration.Mode.parse(accel).label());
    }

    @Override
    public Set<Nic.Backend> nicBackends() {
        return Set.of(Nic.Backend.USER, Nic.Backend.TAP);
    }

    @Override
    public List<String> command(VmRecord vm, VmPaths paths) {
        return QemuCommandLine.render(settings, acceleration(vm), vm, paths);
    }

    Acceleration acceleration(VmRecord vm) {
        return Acceleration.choose(vm.spec().hypervisorOptions().get(ACCEL), settings.accel(), host);
    }

    @Override
    public long launch(VmRecord vm, VmPaths paths) {
        Acceleration accel = acceleration(vm);
        if (!accel.usable()) {
            throw new HypervisorException(accel.reason(), "start it with --accel tcg, or fix access to /dev/kvm");
        }
        QemuFiles files = QemuFiles.of(paths);
        if (!vm.boot().bootsKernel()) {
            UefiVars.prepare(settings, files.firmwareVars());
        }
        return process(paths).launch(vm, command(vm, paths), settings.startTimeout());
    }

    @Override
    public Path console(VmRecord vm, VmPaths paths) {
        QemuFiles files = QemuFiles.of(paths);
        if (process(paths).livePid(vm.pid()) == 0) {
            throw new ConflictException(
                    "VM " + vm.name() + " is not running", "start it with cocoon start " + vm.name());
        }
        List<QmpCommand.ChardevInfo> chardevs;
        try (QmpClient qmp = QmpClient.connect(files.qmpSocket(), QemuControl.QMP_TIMEOUT)) {
            chardevs = qmp.execute(QmpCommand.QUERY_CHARDEV);
        } catch (IOException e) {
            throw new HypervisorException(
                    "cannot ask QEMU of VM " + vm.name() + " for its console: " + e.getMessage(),
                    "check " + files.qemuLog() + "; cocoon stop --force " + vm.name() + " ends it");
        }
        return chardevs.stream()
                .filter(chardev -> QemuCommandLine.CONSOLE_CHARDEV.equals(chardev.label()))
                .map(QmpCommand.ChardevInfo::filename)
                .filter(filename -> filename != null && filename.startsWith("pty:"))
                .map(filename -> Path.of(filename.substring("pty:".length())))
                .findFirst()
                .orElseThrow(() -> new HypervisorException(
                        "QEMU of VM " + vm.name() + " has no PTY console",
                        "the VM was started by another tool or an older Cocoon; restart it"));
    }

    @Override
    public VmmProcess process(VmPaths paths) {
        QemuFiles files = QemuFiles.of(paths);
        return vmms.of(files.layout(), new QemuControl(files), STOP_GRACE);
    }
}
