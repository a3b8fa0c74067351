package cocoon.plugin.qemu;

import cocoon.api.BootSpec;
import cocoon.api.Disk;
import cocoon.api.InvalidInputException;
import cocoon.api.Nic;
import cocoon.api.PublishedPort;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Renders the one QEMU process a VM runs as: machine, console, control socket, boot and disks. */
final class QemuCommandLine {

    private static final long MIB = 1024 * 1024;

    /** The serial console goes to this chardev; {@code console()} looks up a PTY by this label on an older VM. */
    static final String CONSOLE_CHARDEV = "con0";

    private QemuCommandLine() {}

    static List<String> render(QemuSettings settings, Acceleration accel, VmRecord vm, VmPaths paths) {
        QemuFiles files = QemuFiles.of(paths);
        List<String> argv = new ArrayList<>();
        argv.add(settings.binary());
        add(argv, "-name", QemuOptions.escape(vm.name()));
        add(argv, "-machine", machineType(vm) + ",accel=" + accel.accelerator().option());
        add(argv, "-cpu", accel.cpuModel());
        add(argv, "-m", mebibytes(vm.spec().memoryBytes()) + "M");
        add(argv, "-smp", Long.toString(positive(vm.spec().cpus(), "CPU count")));
        // No implicit devices or config files: the VM has exactly what is listed here.
        add(argv, "-nodefaults", "-no-user-config", "-display", "none");
        add(argv, "-pidfile", files.pidFile().toString());
        add(argv, "-qmp", files.qmpOption());
        add(argv, "-chardev", files.consoleChardev());
        add(argv, "-serial", "chardev:" + CONSOLE_CHARDEV);
        add(argv, "-device", "virtio-rng-pci");
        // A fresh generation id at every QEMU start: a clone resumed from saved memory reseeds its RNG.
        add(argv, "-device", "vmgenid,id=vmgenid0");
        List<Nic> nics = vm.network().nics();
        for (int i = 0; i < nics.size(); i++) {
            addNic(argv, "net" + i, nics.get(i));
        }
        BootSpec boot = vm.boot();
        if (boot.bootsKernel()) {
            add(argv, "-kernel", boot.kernel().toString());
            if (boot.initrd() != null) {
                add(argv, "-initrd", boot.initrd().toString());
            }
            add(argv, "-append", withSerialConsole(boot.cmdline()));
        } else {
            add(
                    argv,
                    "-drive",
                    "if=pflash,format=raw,unit=0,readonly=on,file="
                            + QemuOptions.escape(settings.firmwareCode().toString()));
            add(
                    argv,
                    "-drive",
                    "if=pflash,format=raw,unit=1,file="
                            + QemuOptions.escape(files.firmwareVars().toString()));
        }
        List<Disk> disks = vm.disks();
        for (int i = 0; i < disks.size(); i++) {
            addDisk(argv, "disk" + i, disks.get(i));
        }
        return List.copyOf(argv);
    }

    /** The type pinned at create; records from before the pin run as the family alias. */
    static String machineType(VmRecord vm) {
        return vm.spec().hypervisorOptions().getOrDefault(QemuHypervisor.MACHINE, QemuVersion.MACHINE_FAMILY);
    }

    /** The same machine, waiting for the state {@code cat} reads from {@code stateFile} instead of booting. */
    static List<String> incoming(List<String> argv, Path stateFile) {
        List<String> withState = new ArrayList<>(argv);
        add(withState, "-incoming", "exec:cat " + shellQuoted(stateFile));
        return List.copyOf(withState);
    }

    /** QEMU hands an {@code exec:} migration URI to {@code /bin/sh -c}. */
    static String shellQuoted(Path file) {
        return "'" + file.toString().replace("'", "'\\''") + "'";
    }

    /**
     * A user-mode card forwards published ports itself, to the guest's user-mode address; a TAP card is joined to
     * the host device its network made, whose ports the network's own rules publish.
     */
    private static void addNic(List<String> argv, String id, Nic nic) {
        StringBuilder netdev = new StringBuilder(
                        switch (nic.backend()) {
                            case USER -> "user";
                            case TAP -> "tap";
                        })
                .append(",id=")
                .append(id);
        if (nic.backend() == Nic.Backend.TAP) {
            // script=no: QEMU must not run /etc/qemu-ifup; the network already made and attached the TAP.
            netdev.append(",ifname=").append(nic.device()).append(",script=no,downscript=no");
        } else {
            for (PublishedPort port : nic.published()) {
                netdev.append(",hostfwd=")
                        .append(port.protocol().label())
                        .append(':')
                        .append(port.hostIp())
                        .append(':')
                        .append(port.hostPort())
                        .append("-:")
                        .append(port.guestPort());
            }
        }
        add(argv, "-netdev", netdev.toString(), "-device", "virtio-net-pci,netdev=" + id + ",mac=" + nic.mac());
    }

    private static void addDisk(List<String> argv, String id, Disk disk) {
        StringBuilder drive = new StringBuilder("if=none,id=")
                .append(id)
                .append(",file=")
                .append(QemuOptions.escape(disk.path().toString()))
                .append(",format=")
                .append(disk.format().option());
        if (disk.readOnly()) {
            drive.append(",readonly=on");
        }
        StringBuilder device = new StringBuilder("virtio-blk-pci,drive=").append(id);
        if (disk.serial() != null) {
            device.append(",serial=").append(QemuOptions.escape(disk.serial()));
        }
        add(argv, "-drive", drive.toString(), "-device", device.toString());
    }

    /** The guest's console is the emulated UART that the console chardev sits on. */
    private static String withSerialConsole(String cmdline) {
        String base = cmdline == null ? "" : cmdline.strip();
        if (Arrays.asList(base.split("\\s+")).contains("console=ttyS0")) {
            return base;
        }
        return base.isEmpty() ? "console=ttyS0" : base + " console=ttyS0";
    }

    private static long mebibytes(long bytes) {
        positive(bytes, "memory size");
        return (bytes + MIB - 1) / MIB;
    }

    private static long positive(long value, String what) {
        if (value <= 0) {
            throw new InvalidInputException(
                    "the VM's " + what + " must be positive, not " + value, "recreate the VM with a positive " + what);
        }
        return value;
    }

    private static void add(List<String> argv, String... words) {
        argv.addAll(Arrays.asList(words));
    }
}
