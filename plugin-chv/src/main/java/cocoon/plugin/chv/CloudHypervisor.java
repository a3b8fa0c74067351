package cocoon.plugin.chv;

import cocoon.api.Availability;
import cocoon.api.BootSpec;
import cocoon.api.Disk;
import cocoon.api.Hypervisor;
import cocoon.api.HypervisorException;
import cocoon.api.InvalidInputException;
import cocoon.api.MachineFacts;
import cocoon.api.Nic;
import cocoon.api.NotFoundException;
import cocoon.api.PluginContext;
import cocoon.api.Processes;
import cocoon.api.ToolException;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmmProcess;
import cocoon.api.VmmProcesses;
import cocoon.plugin.chv.api.ChvApi;
import cocoon.plugin.chv.api.SnapshotConfig;
import cocoon.plugin.chv.api.VmInfo;
import cocoon.plugin.chv.api.VmmPing;
import cocoon.plugin.chv.cli.ChvCommand;
import cocoon.plugin.chv.cli.ChvVersion;
import cocoon.plugin.chv.cli.VmFiles;
import cocoon.plugin.chv.host.HostCpu;
import cocoon.plugin.chv.host.HostKvm;
import cocoon.plugin.chv.snapshot.RestoreFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Runs each VM as one detached {@code cloud-hypervisor} process configured entirely on its command line. */
final class CloudHypervisor implements Hypervisor {

    static final String NAME = VmFiles.HYPERVISOR;

    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(10);

    /** How long a snapshot may take to write: memory moves at disk speed, under a second per GiB here. */
    private static final Duration STATE_TIMEOUT = Duration.ofMinutes(10);

    /** Cloud Hypervisor runs only on KVM here ({@link #options} refuses anything else). */
    private static final String ACCEL = "kvm";

    private final Processes processes;
    private final VmmProcesses vmms;
    private final ChvSettings settings;
    private final HostKvm kvm;
    private final HostCpu cpu;
    private VersionProbe probe;

    CloudHypervisor(PluginContext context, ChvSettings settings) {
        this(context, settings, new HostKvm());
    }

    CloudHypervisor(PluginContext context, ChvSettings settings, HostKvm kvm) {
        this.processes = context.processes();
        this.vmms = context.vmms();
        this.settings = settings;
        this.kvm = kvm;
        this.cpu = new HostCpu();
    }

    /** What {@code --version} said, asked once per CLI run. */
    private record VersionProbe(Optional<Path> binary, Optional<ChvVersion> version, String output) {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Availability check() {
        List<String> problems = new ArrayList<>();
        VersionProbe found = probe();
        String binary = "";
        if (found.binary().isEmpty()) {
            problems.add(
                    settings.binary() + " not found" + (settings.binary().contains("/") ? "" : " on PATH")
                            + ": install a static cloud-hypervisor release (" + ChvVersion.MINIMUM + " or newer) from"
                            + " https://github.com/cloud-hypervisor/cloud-hypervisor/releases onto PATH, or set [chv] binary to its path");
        } else if (found.version().isEmpty()) {
            problems.add("cannot tell the version of " + found.binary().get() + " (--version printed: "
                    + oneLine(found.output()) + "): check that it is Cloud Hypervisor");
        } else if (!found.version().get().atLeast(ChvVersion.MINIMUM)) {
            problems.add(found.binary().get() + " is " + found.version().get() + ", older than the "
                    + ChvVersion.MINIMUM + " this driver needs: install a newer release");
        } else {
            binary = found.binary().get() + " " + found.version().get();
        }
        kvm.problem().ifPresent(problems::add);
        String firmware = Files.isRegularFile(settings.firmware())
                ? ""
                : "; UEFI firmware " + settings.firmware()
                        + " is missing, so images without a kernel (cloud images) cannot boot:"
                        + " put edk2's CLOUDHV.fd (https://github.com/cloud-hypervisor/edk2/releases) there or set [chv] firmware";
        return problems.isEmpty()
                ? Availability.ok(binary + ", KVM usable" + firmware)
                : Availability.missing(String.join("; ", problems) + firmware);
    }

    @Override
    public List<String> command(VmRecord vm, VmPaths paths) {
        VersionProbe found = probe();
        String binary = found.binary().map(Path::toString).orElse(settings.binary());
        return ChvCommand.render(
                binary,
                vm,
                VmFiles.of(paths),
                settings.firmware(),
                found.version().orElse(ChvVersion.CURRENT));
    }

    /** A TAP the network made before the start; Cloud Hypervisor has no user-mode networking. */
    @Override
    public Set<Nic.Backend> nicBackends() {
        return Set.of(Nic.Backend.TAP);
    }

    /** Cloud Hypervisor always runs on KVM: {@code accel} may say so, anything else is refused. */
    @Override
    public Map<String, String> options(Map<String, String> requested) {
        for (Map.Entry<String, String> option : requested.entrySet()) {
            boolean kvm =
                    option.getKey().equals("accel") && Set.of("auto", "kvm").contains(option.getValue());
            if (!kvm) {
                throw new InvalidInputException(
                        "Cloud Hypervisor has no VM option " + option.getKey() + "=" + option.getValue()
                                + " (it always runs on KVM)",
                        "drop the option, or use --hypervisor qemu for TCG");
            }
        }
        return Map.of();
    }

    @Override
    public long launch(VmRecord vm, VmPaths paths) {
        List<String> argv = command(vm, paths);
        requireBootFiles(vm);
        return process(paths).launch(vm, argv, settings.startTimeout());
    }

    @Override
    public Path console(VmRecord vm, VmPaths paths) {
        VmFiles files = VmFiles.of(paths);
        if (process(paths).livePid(vm.pid()) == 0) {
            throw new HypervisorException(
                    "VM " + vm.name() + " is not running", "start it with `cocoon start " + vm.name() + "`");
        }
        VmInfo info;
        try {
            info = api(files).info();
        } catch (IOException e) {
            throw new HypervisorException(
                    "cannot ask VM " + vm.name() + " for its console: " + e.getMessage(),
                    "check " + files.hypervisorLog() + "; `cocoon stop --force " + vm.name()
                            + "` ends a hung hypervisor");
        }
        // Direct-kernel guests use the virtio console (hvc0); firmware and bootloaders only know the serial port.
        VmInfo.Console console = info.config() == null
                ? null
                : vm.boot().bootsKernel()
                        ? info.config().console()
                        : info.config().serial();
        if (console == null || !console.isPty()) {
            throw new HypervisorException(
                    "VM " + vm.name() + " has no PTY console (" + (console == null ? "none" : console.mode()) + ")",
                    "recreate the VM with this version of cocoon");
        }
        return Path.of(console.file());
    }

    /**
     * Cloud Hypervisor has one machine per architecture and passes the host's processor through: a saved state
     * loads on the same release (its {@code state.json} holds no promise across releases) on the same processor.
     */
    @Override
    public MachineFacts machine(VmRecord vm) {
        return facts(probe().version().map(ChvVersion::number).orElse("(not installed)"));
    }

    private MachineFacts facts(String version) {
        return new MachineFacts(NAME, version, HostCpu.architecture(), ACCEL, cpu.model());
    }

    @Override
    public void pause(VmRecord vm, VmPaths paths) {
        call(vm, paths, settings.apiTimeout(), "pause", api -> {
            api.pause();
            return null;
        });
    }

    /**
     * {@code vm.snapshot} into the folder (Cloud Hypervisor writes into an existing folder and refuses a running VM);
     * the facts come from the live VMM, so a VM started before an upgrade records the release it runs on.
     */
    @Override
    public MachineFacts saveState(VmRecord vm, VmPaths paths, Path stateFolder) {
        VmmPing ping = call(vm, paths, STATE_TIMEOUT, "save the state of", api -> {
            api.snapshot(SnapshotConfig.into(stateFolder));
            return api.ping();
        });
        return facts(ChvVersion.parse(ping.buildVersion())
                .or(() -> ChvVersion.parse("v" + ping.version()))
                .map(ChvVersion::number)
                .orElse(ping.version()));
    }

    @Override
    public void resume(VmRecord vm, VmPaths paths) {
        call(vm, paths, settings.apiTimeout(), "resume", api -> {
            // vm.resume of a running VM is an error (InvalidStateTransition(Running, Running)), unlike QEMU's cont.
            if (!VmInfo.RUNNING.equals(api.info().state())) {
                api.resume();
            }
            return null;
        });
    }

    /**
     * {@code --restore} from a folder whose {@code config.json} names this VM's disks, cards and console (a clone's
     * are not its source's); the VM comes up paused, as it was saved, and {@code vm.resume} lets it run. The folder
     * goes once the restore is done: Cloud Hypervisor has copied the memory into the guest by then.
     */
    @Override
    public long launchFromState(VmRecord vm, VmPaths paths, Path stateFolder) {
        VmFiles files = VmFiles.of(paths);
        for (Disk disk : vm.disks()) {
            requireFile(disk.path(), "disk");
        }
        String binary = probe().binary().map(Path::toString).orElse(settings.binary());
        Path source = RestoreFolder.prepare(stateFolder, vm, files, settings.firmware());
        try {
            VmmProcess process = process(paths);
            long pid = process.launch(vm, ChvCommand.restore(binary, files, source), settings.startTimeout());
            try {
                resume(vm, paths);
            } catch (HypervisorException e) {
                process.powerOff(vm.running(pid, Instant.now()), Duration.ZERO, true);
                throw e;
            }
            return pid;
        } finally {
            try {
                RestoreFolder.remove(source);
            } catch (IOException e) {
                // Only links and a small config: the next restore of this VM replaces the folder.
            }
        }
    }

    private interface ApiCall<R> {
        R run(ChvApi api) throws IOException;
    }

    private <R> R call(VmRecord vm, VmPaths paths, Duration timeout, String verb, ApiCall<R> call) {
        VmFiles files = VmFiles.of(paths);
        try {
            return call.run(new ChvApi(files.apiSocket(), timeout));
        } catch (IOException e) {
            throw new HypervisorException(
                    "Cloud Hypervisor could not " + verb + " VM " + vm.name() + ": " + e.getMessage(),
                    "check " + files.hypervisorLog());
        }
    }

    private VersionProbe probe() {
        if (probe == null) {
            Optional<Path> binary = processes.which(settings.binary());
            String output = "";
            if (binary.isPresent()) {
                try {
                    Processes.Result result = processes.runAllowingFailure(
                            List.of(binary.get().toString(), "--version"), VERSION_TIMEOUT);
                    output = result.stdout() + result.stderr();
                } catch (ToolException e) {
                    output = e.getMessage();
                }
            }
            probe = new VersionProbe(binary, ChvVersion.parse(output), output);
        }
        return probe;
    }

    private ChvApi api(VmFiles files) {
        return new ChvApi(files.apiSocket(), settings.apiTimeout());
    }

    @Override
    public VmmProcess process(VmPaths paths) {
        VmFiles files = VmFiles.of(paths);
        return vmms.of(files.layout(), new ChvControl(api(files), files), settings.stopGrace());
    }

    private void requireBootFiles(VmRecord vm) {
        BootSpec boot = vm.boot();
        if (boot.bootsKernel()) {
            requireFile(boot.kernel(), "kernel");
            if (boot.initrd() != null) {
                requireFile(boot.initrd(), "initrd");
            }
        } else if (!Files.isRegularFile(settings.firmware())) {
            throw new HypervisorException(
                    "UEFI firmware " + settings.firmware() + " not found",
                    "put edk2's CLOUDHV.fd (https://github.com/cloud-hypervisor/edk2/releases) there or set [chv] firmware");
        }
        for (Disk disk : vm.disks()) {
            requireFile(disk.path(), "disk");
        }
    }

    private static void requireFile(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new NotFoundException(
                    what + " " + file + " is missing",
                    "the image or VM files were removed; recreate the VM (cocoon rm, then cocoon create)");
        }
    }

    private static String oneLine(String text) {
        String line = text.strip().replaceAll("\\s*\\R\\s*", " | ");
        return line.isEmpty() ? "nothing" : line;
    }
}
