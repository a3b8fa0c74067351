package cocoon.plugin.chv.cli;

import cocoon.api.BootSpec;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.HypervisorException;
import cocoon.api.Nic;
import cocoon.api.VmRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Renders a whole VM as one Cloud Hypervisor command line; nothing is configured later through the API.
 * The grammar is the one of {@code cloud-hypervisor --help}: each device option takes
 * {@code key=value,key=value} and the multi-device {@code --disk} takes several such values.
 */
public final class ChvCommand {

    /** Below this the guest has no memory to spare for a balloon, so none is offered. */
    public static final long BALLOON_MIN_MEMORY = 256L * 1024 * 1024;

    /** Direct-kernel guests talk on the virtio console, which Cloud Hypervisor exposes as a PTY. */
    static final String KERNEL_CONSOLE = "console=hvc0";

    private ChvCommand() {}

    public static List<String> render(String binary, VmRecord vm, VmFiles files, Path firmware, ChvVersion version) {
        List<String> argv = new ArrayList<>();
        argv.add(binary);
        option(argv, "--api-socket", "path=" + optionValue(files.apiSocket()));
        // How the process ended, for ps: a guest that powered off leaves a vmm shutdown event, a kill leaves none.
        option(argv, "--event-monitor", "path=" + optionValue(files.events()));
        option(argv, "--cpus", "boot=" + vm.spec().cpus());
        option(argv, "--memory", "size=" + ByteSize.format(vm.spec().memoryBytes()));
        BootSpec boot = vm.boot();
        if (boot.bootsKernel()) {
            option(argv, "--kernel", boot.kernel().toString());
            if (boot.initrd() != null) {
                option(argv, "--initramfs", boot.initrd().toString());
            }
            option(argv, "--cmdline", boot.withCmdline(KERNEL_CONSOLE).cmdline());
        } else {
            option(argv, "--firmware", firmware.toString());
        }
        List<String> disks = disks(vm.disks(), version);
        if (!disks.isEmpty()) {
            argv.add("--disk");
            argv.addAll(disks);
        }
        List<String> nets = nets(vm);
        if (!nets.isEmpty()) {
            argv.add("--net");
            argv.addAll(nets);
        }
        option(argv, "--rng", "src=/dev/urandom");
        if (vm.spec().memoryBytes() >= BALLOON_MIN_MEMORY) {
            option(argv, "--balloon", "size=0,deflate_on_oom=on");
        }
        argv.add("--watchdog");
        if (boot.bootsKernel()) {
            option(argv, "--serial", "file=" + optionValue(files.serialLog()));
            option(argv, "--console", "pty");
        } else {
            // UEFI firmware and the bootloaders it starts only know the legacy serial port.
            option(argv, "--serial", "pty");
            option(argv, "--console", "off");
        }
        return List.copyOf(argv);
    }

    /**
     * A VM restored from a snapshot: Cloud Hypervisor takes every VM setting from the snapshot's {@code config.json},
     * and a payload option would make it boot instead ({@code main.rs} restores only without one), so only the VMM's
     * own options are given.
     */
    public static List<String> restore(String binary, VmFiles files, Path source) {
        List<String> argv = new ArrayList<>();
        argv.add(binary);
        option(argv, "--api-socket", "path=" + optionValue(files.apiSocket()));
        option(argv, "--event-monitor", "path=" + optionValue(files.events()));
        option(argv, "--restore", "source_url=file://" + optionValue(source.toAbsolutePath()));
        return List.copyOf(argv);
    }

    /** One value per disk the guest sees, in the order of {@link #attached}. */
    static List<String> disks(List<Disk> disks, ChvVersion version) {
        return attached(disks).stream().map(disk -> disk(disk, version)).toList();
    }

    /**
     * The disks the guest sees, in the record's order (base layers first): Cloud Hypervisor's {@code disks} list. A
     * qcow2 overlay reads its base through its backing file, so that base is never attached on its own.
     */
    public static List<Disk> attached(List<Disk> disks) {
        Set<Path> backingFiles =
                disks.stream().map(Disk::backingFile).filter(Objects::nonNull).collect(Collectors.toSet());
        return disks.stream()
                .filter(disk -> !backingFiles.contains(disk.path()))
                .toList();
    }

    /**
     * One value per card, in the record's order. Cloud Hypervisor opens the TAP the network made by its name and
     * does not touch its addresses; its default of one queue pair matches the single-queue TAP the bridge mode
     * makes (more queues would need a multi-queue TAP, a mismatch it refuses).
     */
    private static List<String> nets(VmRecord vm) {
        return vm.network().nics().stream().map(nic -> net(vm, nic)).toList();
    }

    private static String net(VmRecord vm, Nic nic) {
        return switch (nic.backend()) {
            case TAP -> "tap=" + optionValue(nic.device()) + ",mac=" + optionValue(nic.mac());
            case USER ->
                throw new HypervisorException(
                        "VM " + vm.name() + " has a user-mode network card, which Cloud Hypervisor does not have",
                        "recreate it with --network bridge, or with --hypervisor qemu");
        };
    }

    private static String disk(Disk disk, ChvVersion version) {
        StringBuilder value = new StringBuilder("path=").append(optionValue(disk.path()));
        if (disk.readOnly()) {
            value.append(",readonly=on");
        }
        if (version.atLeast(ChvVersion.EXPLICIT_IMAGE_TYPE)) {
            // Autodetected raw images are refused writes to sector 0, and qcow2 backing files are off unless asked for.
            value.append(",image_type=").append(disk.format().option());
            if (disk.format() == DiskFormat.QCOW2 && disk.backingFile() != null) {
                value.append(",backing_files=on");
            }
        }
        if (disk.serial() != null) {
            value.append(",serial=").append(optionValue(disk.serial()));
        }
        return value.toString();
    }

    private static void option(List<String> argv, String name, String value) {
        argv.add(name);
        argv.add(value);
    }

    private static String optionValue(Path path) {
        return optionValue(path.toString());
    }

    /** Cloud Hypervisor splits option lists on ',' and each pair on '=' with no quoting, so neither may appear in a value. */
    private static String optionValue(String value) {
        if (value.indexOf(',') >= 0 || value.indexOf('=') >= 0) {
            throw new HypervisorException(
                    "'" + value + "' contains ',' or '=', which Cloud Hypervisor's option syntax cannot carry",
                    "use root, run and log directories (and disk serials) without those characters");
        }
        return value;
    }
}
