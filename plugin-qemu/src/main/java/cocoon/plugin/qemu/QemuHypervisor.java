package cocoon.plugin.qemu;

import cocoon.api.Availability;
import cocoon.api.ConflictException;
import cocoon.api.Hypervisor;
import cocoon.api.HypervisorException;
import cocoon.api.InvalidInputException;
import cocoon.api.MachineFacts;
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
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Runs each VM as one {@code qemu-system-x86_64} process and drives it over QMP. */
final class QemuHypervisor implements Hypervisor {

    static final String NAME = "qemu";
    /** The VM option {@code create --accel} sets. */
    static final String ACCEL = "accel";
    /** The VM option create pins: the versioned machine type ({@link QemuVersion#machineType}). */
    static final String MACHINE = "machine";

    /** How long writing or loading a saved state may take: memory moves at disk speed, under a second per GiB here. */
    private static final Duration STATE_TIMEOUT = Duration.ofMinutes(10);

    private static final Duration STATE_POLL = Duration.ofMillis(50);

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

    /**
     * {@code accel}: auto, kvm or tcg; a VM's own choice wins over {@code [qemu] accel}. The versioned machine type
     * is pinned beside it (not a user's option), where QEMU is installed.
     */
    @Override
    public Map<String, String> options(Map<String, String> requested) {
        for (String key : requested.keySet()) {
            if (!key.equals(ACCEL)) {
                throw new InvalidInputException(
                        "QEMU has no VM option '" + key + "'", "QEMU takes --accel auto|kvm|tcg");
            }
        }
        Map<String, String> options = new LinkedHashMap<>();
        String accel = requested.get(ACCEL);
        if (accel != null) {
            options.put(ACCEL, Acceleration.Mode.parse(accel).label());
        }
        processes.which(settings.binary()).ifPresent(binary -> options.put(MACHINE, version.machineType(binary)));
        return Map.copyOf(options);
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

    /** The console socket; a VM started by an older Cocoon has a PTY instead, which QEMU names. */
    @Override
    public Path console(VmRecord vm, VmPaths paths) {
        QemuFiles files = QemuFiles.of(paths);
        if (process(paths).livePid(vm.pid()) == 0) {
            throw new ConflictException(
                    "VM " + vm.name() + " is not running", "start it with cocoon start " + vm.name());
        }
        if (Files.exists(files.consoleSocket())) {
            return files.consoleSocket();
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
                        "QEMU of VM " + vm.name() + " has no console socket or PTY",
                        "the VM was started by another tool or an older Cocoon; restart it"));
    }

    /** A VM from before the pin runs as whatever versioned type {@code q35} stands for on this QEMU. */
    @Override
    public MachineFacts machine(VmRecord vm) {
        Acceleration accel = acceleration(vm);
        Optional<Path> binary = processes.which(settings.binary());
        String machineType = QemuCommandLine.machineType(vm);
        if (machineType.equals(QemuVersion.MACHINE_FAMILY) && binary.isPresent()) {
            machineType = version.machineType(binary.get());
        }
        return new MachineFacts(
                NAME,
                binary.map(found -> QemuVersion.number(version.of(found))).orElse("(not installed)"),
                machineType,
                accel.accelerator().option(),
                accel.cpuModel());
    }

    @Override
    public void pause(VmRecord vm, VmPaths paths) {
        monitor(vm, paths, "pause", qmp -> qmp.execute(QmpCommand.STOP));
    }

    /**
     * QEMU 7.2 has no {@code file:} migration: {@code cat} writes the stream, which a stopped guest makes a
     * consistent picture of. Facts come from the live QEMU, so a VM started before an upgrade records the old one.
     */
    @Override
    public MachineFacts saveState(VmRecord vm, VmPaths paths, Path stateFolder) {
        Path stateFile = QemuFiles.migrationStream(stateFolder);
        return monitor(vm, paths, "save the state of", qmp -> {
            // Made private before cat writes it: the guest's memory holds its secrets.
            Files.createFile(
                    stateFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            qmp.execute(QmpCommand.maxBandwidth(1L << 40));
            qmp.execute(QmpCommand.migrate("exec:cat > " + QemuCommandLine.shellQuoted(stateFile)));
            long deadline = System.nanoTime() + STATE_TIMEOUT.toNanos();
            while (true) {
                QmpCommand.MigrationInfo info = qmp.execute(QmpCommand.QUERY_MIGRATE);
                if ("completed".equals(info.status())) {
                    break;
                }
                if ("failed".equals(info.status()) || "cancelled".equals(info.status())) {
                    throw new IOException(
                            "the migration to " + stateFile + " " + info.status() + ": " + info.errorDesc());
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("the state was not written within " + STATE_TIMEOUT.toMinutes() + " min");
                }
                sleep(STATE_POLL);
            }
            if (!vm.boot().bootsKernel()) {
                UefiVars.saveInto(QemuFiles.of(paths).firmwareVars(), stateFolder);
            }
            String type = qmp.execute(QmpCommand.MACHINE_TYPE);
            return new MachineFacts(
                    NAME,
                    qmp.execute(QmpCommand.QUERY_VERSION).number(),
                    type.endsWith("-machine") ? type.substring(0, type.length() - "-machine".length()) : type,
                    qmp.execute(QmpCommand.QUERY_KVM).enabled() ? "kvm" : "tcg",
                    acceleration(vm).cpuModel());
        });
    }

    @Override
    public void resume(VmRecord vm, VmPaths paths) {
        monitor(vm, paths, "resume", qmp -> qmp.execute(QmpCommand.CONT));
    }

    /** QEMU loads the state before it runs anything; the source was stopped when saved, so it arrives paused. */
    @Override
    public long launchFromState(VmRecord vm, VmPaths paths, Path stateFolder) {
        Acceleration accel = acceleration(vm);
        if (!accel.usable()) {
            throw new HypervisorException(accel.reason(), "fix access to /dev/kvm, or clone on a host where it works");
        }
        if (!vm.boot().bootsKernel()) {
            // The variable store is a pflash disk, not part of the state: a clone needs one of its own to start.
            UefiVars.prepareFromState(settings, QemuFiles.of(paths).firmwareVars(), stateFolder);
        }
        long pid = process(paths)
                .launch(
                        vm,
                        QemuCommandLine.incoming(command(vm, paths), QemuFiles.migrationStream(stateFolder)),
                        settings.startTimeout());
        monitor(vm, paths, "load the saved state into", qmp -> {
            long deadline = System.nanoTime() + STATE_TIMEOUT.toNanos();
            while ("inmigrate".equals(qmp.execute(QmpCommand.QUERY_STATUS).status())) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("the state was not loaded within " + STATE_TIMEOUT.toMinutes() + " min");
                }
                sleep(STATE_POLL);
            }
            return qmp.execute(QmpCommand.CONT);
        });
        return pid;
    }

    private interface MonitorTask<R> {
        R run(QmpClient qmp) throws IOException;
    }

    private <R> R monitor(VmRecord vm, VmPaths paths, String verb, MonitorTask<R> task) {
        QemuFiles files = QemuFiles.of(paths);
        try (QmpClient qmp = QmpClient.connect(files.qmpSocket(), QemuControl.QMP_TIMEOUT)) {
            return task.run(qmp);
        } catch (IOException e) {
            throw new HypervisorException(
                    "QEMU could not " + verb + " VM " + vm.name() + ": " + e.getMessage(), "check " + files.qemuLog());
        }
    }

    private static void sleep(Duration pause) throws IOException {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public VmmProcess process(VmPaths paths) {
        QemuFiles files = QemuFiles.of(paths);
        return vmms.of(files.layout(), new QemuControl(files), STOP_GRACE);
    }
}
