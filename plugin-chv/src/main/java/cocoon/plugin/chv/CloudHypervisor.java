package cocoon.plugin.chv;

import cocoon.api.Availability;
import cocoon.api.BootSpec;
import cocoon.api.ConflictException;
import cocoon.api.Disk;
import cocoon.api.Hypervisor;
import cocoon.api.HypervisorException;
import cocoon.api.NotFoundException;
import cocoon.api.PluginContext;
import cocoon.api.Processes;
import cocoon.api.ToolException;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmState;
import cocoon.plugin.chv.api.ChvApi;
import cocoon.plugin.chv.api.VmInfo;
import cocoon.plugin.chv.cli.ChvCommand;
import cocoon.plugin.chv.cli.ChvVersion;
import cocoon.plugin.chv.cli.VmFiles;
import cocoon.plugin.chv.host.HostKvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Runs each VM as one detached {@code cloud-hypervisor} process configured entirely on its command line. */
final class CloudHypervisor implements Hypervisor {

    static final String NAME = "chv";

    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(10);
    /** cloud-hypervisor serves its API within milliseconds of exec: poll finely at first, then back off. */
    private static final Duration FIRST_API_RETRY = Duration.ofMillis(2);
    private static final Duration MAX_API_RETRY = Duration.ofMillis(10);
    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");

    private final Processes processes;
    private final ChvSettings settings;
    private final HostKvm kvm;
    private VersionProbe probe;

    CloudHypervisor(PluginContext context, ChvSettings settings) {
        this(context, settings, new HostKvm());
    }

    CloudHypervisor(PluginContext context, ChvSettings settings, HostKvm kvm) {
        this.processes = context.processes();
        this.settings = settings;
        this.kvm = kvm;
    }

    /** What {@code --version} said, asked once per CLI run. */
    private record VersionProbe(Optional<Path> binary, Optional<ChvVersion> version, String output) {
    }

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
            problems.add(settings.binary() + " not found" + (settings.binary().contains("/") ? "" : " on PATH")
                    + ": install a static cloud-hypervisor release (" + ChvVersion.MINIMUM + " or newer) from"
                    + " https://github.com/cloud-hypervisor/cloud-hypervisor/releases onto PATH, or set [chv] binary to its path");
        } else if (found.version().isEmpty()) {
            problems.add("cannot tell the version of " + found.binary().get() + " (--version printed: "
                    + oneLine(found.output()) + "): check that it is Cloud Hypervisor");
        } else if (!found.version().get().atLeast(ChvVersion.MINIMUM)) {
            problems.add(found.binary().get() + " is " + found.version().get() + ", older than the " + ChvVersion.MINIMUM
                    + " this driver needs: install a newer release");
        } else {
            binary = found.binary().get() + " " + found.version().get();
        }
        kvm.problem().ifPresent(problems::add);
        String firmware = Files.isRegularFile(settings.firmware()) ? ""
                : "; UEFI firmware " + settings.firmware() + " is missing, so images without a kernel (cloud images) cannot boot:"
                + " put edk2's CLOUDHV.fd (https://github.com/cloud-hypervisor/edk2/releases) there or set [chv] firmware";
        return problems.isEmpty()
                ? Availability.ok(binary + ", KVM usable" + firmware)
                : Availability.missing(String.join("; ", problems) + firmware);
    }

    @Override
    public List<String> command(VmRecord vm, VmPaths paths) {
        VersionProbe found = probe();
        String binary = found.binary().map(Path::toString).orElse(settings.binary());
        return ChvCommand.render(binary, vm, VmFiles.of(paths), settings.firmware(), found.version().orElse(ChvVersion.CURRENT));
    }

    @Override
    public long launch(VmRecord vm, VmPaths paths) {
        VmFiles files = VmFiles.of(paths);
        VmProcess process = new VmProcess(processes, files);
        privateDir(files.runDir());
        privateDir(files.logDir());
        long previous = process.livePid(vm.pid());
        if (previous != 0) {
            reapIdle(vm, files, process, previous);
        }
        List<String> argv = command(vm, paths);
        requireBootFiles(vm);
        process.clean();
        privateDir(files.runDir());
        long logStart = LogTail.size(files.hypervisorLog());
        long pid = processes.spawnDetached(argv, files.hypervisorLog(), files.pidFile());
        awaitApi(vm, files, process, pid, logStart);
        return pid;
    }

    @Override
    public VmState state(VmRecord vm, VmPaths paths) {
        VmFiles files = VmFiles.of(paths);
        long pid = new VmProcess(processes, files).livePid(vm.pid());
        if (pid == 0) {
            // The launch writes the pid file and Cocoon removes it when it stops the VM; one left behind means the VMM
            // went away on its own, which from outside looks the same whether the guest powered off or it died.
            if (vm.state() == VmState.RUNNING) {
                return Files.exists(files.pidFile()) ? VmState.ERROR : VmState.STOPPED;
            }
            return vm.state() == VmState.ERROR || vm.state() == VmState.CREATED ? vm.state() : VmState.STOPPED;
        }
        try {
            // The guest is off but the VMM lingers only after an explicit vm.shutdown; anything else alive is running.
            return VmInfo.SHUTDOWN.equals(api(files).info().state()) ? VmState.STOPPED : VmState.RUNNING;
        } catch (IOException e) {
            return VmState.ERROR;
        }
    }

    @Override
    public void powerOff(VmRecord vm, VmPaths paths, Duration timeout, boolean force) {
        VmFiles files = VmFiles.of(paths);
        VmProcess process = new VmProcess(processes, files);
        long pid = process.livePid(vm.pid());
        if (pid != 0) {
            boolean exited = false;
            if (!force) {
                try {
                    api(files).powerButton();
                    exited = process.awaitExit(pid, timeout);
                } catch (IOException e) {
                    // A VM that is not booted, or an API that does not answer, cannot take the button: go hard.
                }
            }
            if (!exited) {
                hardStop(files, process, pid);
            }
        }
        process.clean();
    }

    @Override
    public Path console(VmRecord vm, VmPaths paths) {
        VmFiles files = VmFiles.of(paths);
        if (new VmProcess(processes, files).livePid(vm.pid()) == 0) {
            throw new HypervisorException("VM " + vm.name() + " is not running", "start it with `cocoon start " + vm.name() + "`");
        }
        VmInfo info;
        try {
            info = api(files).info();
        } catch (IOException e) {
            throw new HypervisorException("cannot ask VM " + vm.name() + " for its console: " + e.getMessage(),
                    "check " + files.hypervisorLog() + "; `cocoon stop --force " + vm.name() + "` ends a hung hypervisor");
        }
        // Direct-kernel guests use the virtio console (hvc0); firmware and bootloaders only know the serial port.
        VmInfo.Console console = info.config() == null ? null
                : vm.boot().bootsKernel() ? info.config().console() : info.config().serial();
        if (console == null || !console.isPty()) {
            throw new HypervisorException("VM " + vm.name() + " has no PTY console (" + (console == null ? "none" : console.mode()) + ")",
                    "recreate the VM with this version of cocoon");
        }
        return Path.of(console.file());
    }

    private VersionProbe probe() {
        if (probe == null) {
            Optional<Path> binary = processes.which(settings.binary());
            String output = "";
            if (binary.isPresent()) {
                try {
                    Processes.Result result = processes.runAllowingFailure(List.of(binary.get().toString(), "--version"), VERSION_TIMEOUT);
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

    /** A hypervisor still alive for this VM is either a running guest (refuse) or a VMM whose guest is off (end it). */
    private void reapIdle(VmRecord vm, VmFiles files, VmProcess process, long pid) {
        String guest;
        try {
            guest = api(files).info().state();
        } catch (IOException e) {
            throw new ConflictException("VM " + vm.name() + " has a hypervisor (pid " + pid + ") whose API does not answer",
                    "end it with `cocoon stop --force " + vm.name() + "`");
        }
        if (!VmInfo.SHUTDOWN.equals(guest)) {
            throw new ConflictException("VM " + vm.name() + " is already running (pid " + pid + ")",
                    "stop it first with `cocoon stop " + vm.name() + "`");
        }
        hardStop(files, process, pid);
    }

    /** vm.shutdown and vmm.shutdown, then SIGTERM, then SIGKILL, each given the stop grace to take effect. */
    private void hardStop(VmFiles files, VmProcess process, long pid) {
        ChvApi api = api(files);
        try {
            api.shutdownVm();
        } catch (IOException e) {
            // Not booted or not answering; vmm.shutdown or the signals below still end it.
        }
        try {
            api.shutdownVmm();
        } catch (IOException e) {
            // The process may already be exiting; the signals below handle one that is not.
        }
        if (process.awaitExit(pid, settings.stopGrace())) {
            return;
        }
        process.signal(pid, false);
        if (process.awaitExit(pid, settings.stopGrace())) {
            return;
        }
        process.signal(pid, true);
        if (!process.awaitExit(pid, settings.stopGrace())) {
            throw new HypervisorException("cloud-hypervisor (pid " + pid + ") survived SIGKILL",
                    "it is stuck in the kernel; see /proc/" + pid + "/stack and reboot the host if it stays");
        }
    }

    private void awaitApi(VmRecord vm, VmFiles files, VmProcess process, long pid, long logStart) {
        ChvApi api = api(files);
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        Duration retry = FIRST_API_RETRY;
        while (true) {
            if (!processes.exists(pid)) {
                process.clean();
                throw new HypervisorException("cloud-hypervisor exited while starting VM " + vm.name() + ": "
                        + LogTail.since(files.hypervisorLog(), logStart), "the whole output is in " + files.hypervisorLog());
            }
            if (Files.exists(files.apiSocket())) {
                try {
                    api.ping();
                    return;
                } catch (IOException e) {
                    // Bound but not serving yet; ask again until the deadline.
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                hardStop(files, process, pid);
                process.clean();
                throw new HypervisorException("cloud-hypervisor (pid " + pid + ") did not answer on " + files.apiSocket()
                        + " within " + settings.startTimeout().toSeconds() + " s: " + LogTail.since(files.hypervisorLog(), logStart),
                        "raise [chv] start_timeout if the host is slow; the whole output is in " + files.hypervisorLog());
            }
            VmProcess.pause(retry);
            retry = retry.multipliedBy(2).compareTo(MAX_API_RETRY) < 0 ? retry.multipliedBy(2) : MAX_API_RETRY;
        }
    }

    private void requireBootFiles(VmRecord vm) {
        BootSpec boot = vm.boot();
        if (boot.bootsKernel()) {
            requireFile(boot.kernel(), "kernel");
            if (boot.initrd() != null) {
                requireFile(boot.initrd(), "initrd");
            }
        } else if (!Files.isRegularFile(settings.firmware())) {
            throw new HypervisorException("UEFI firmware " + settings.firmware() + " not found",
                    "put edk2's CLOUDHV.fd (https://github.com/cloud-hypervisor/edk2/releases) there or set [chv] firmware");
        }
        for (Disk disk : vm.disks()) {
            requireFile(disk.path(), "disk");
        }
    }

    private static void requireFile(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new NotFoundException(what + " " + file + " is missing",
                    "the image or VM files were removed; recreate the VM (cocoon rm, then cocoon create)");
        }
    }

    private static void privateDir(Path dir) {
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
            Files.setPosixFilePermissions(dir, PRIVATE_DIR);
        } catch (IOException e) {
            throw new HypervisorException("cannot create " + dir + ": " + e.getMessage(),
                    "check that the run and log directories are writable (run as root or set run-dir/log-dir)");
        }
    }

    private static String oneLine(String text) {
        String line = text.strip().replaceAll("\\s*\\R\\s*", " | ");
        return line.isEmpty() ? "nothing" : line;
    }
}
