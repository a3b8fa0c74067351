package cocoon.runtime;

import cocoon.api.BootSpec;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.Hypervisor;
import cocoon.api.VmNetwork;
import cocoon.api.VmRecord;
import cocoon.api.VmSpec;
import cocoon.api.VmState;
import cocoon.runtime.console.ConsoleSession;
import cocoon.runtime.console.EscapeFilter;
import cocoon.runtime.plugin.PluginCatalog;
import cocoon.runtime.store.AtomicJsonFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The training runs of the ahead-of-time caches, started by the image assembly (never by users).
 * {@code store}: one JVM runs the everyday commands against a scratch store of VM records, so the cache
 * holds the classes, linked call sites and record-parsing code those commands use (a cache trained on an
 * empty {@code ps} alone left ~460 classes, Jackson's record support among them, to be loaded from jars
 * on every {@code ps} of a real store). {@code cli}: only the commands that never open the store
 * (version, help, completion), for a second, smaller cache: every class of a cache is loaded when the JVM
 * starts, and the store cache's 27 MB (736 of its classes are Jackson's) cost {@code version} ~75 ms of CPU.
 * The store training ends with a pull from a {@link TrainingRegistry} in this JVM.
 */
public final class AotTraining {

    private static final int RECORDS = 200;
    /**
     * From this record on, one record per hypervisor has disks, kernel and initrd (empty files), so {@code start}
     * gets as far as the launch. train-aot puts stand-ins for the hypervisor programs first on PATH: the whole
     * launch runs (locks, command line, {@code setsid}, the wait for the hypervisor, the record update). Cloud
     * Hypervisor's exits at once, so its start fails only at its end; QEMU's serves QMP, so its VM runs.
     */
    private static final int FIRST_STARTABLE = 9;

    /** The hypervisor whose stand-in answers on its control socket, so its VM is trained running. */
    private static final String QEMU = "qemu";

    private AotTraining() {}

    /** Commands that never open the store: a global flag or two, then these words. */
    private static final List<List<String>> CLI =
            List.of(List.of("version"), List.of("--help"), List.of("help", "ps"), List.of("completion"));

    /** The everyday commands over records spread across {@code hypervisors}, each of which gets a start. */
    private static List<List<String>> storeCommands(List<String> hypervisors) {
        List<List<String>> commands = new ArrayList<>(List.of(
                List.of("version"),
                List.of("--help"),
                List.of("ps", "--help"),
                List.of("ps"),
                List.of("ps", "--format", "json"),
                List.of("inspect", "vm-7"),
                List.of("list"),
                List.of("list", "--format", "json"),
                List.of("stop", "vm-3"),
                List.of("start", "no-such-vm")));
        for (int i = 0; i < hypervisors.size(); i++) {
            commands.add(List.of("start", "vm-" + (FIRST_STARTABLE + i)));
        }
        for (int i = 0; i < hypervisors.size(); i++) {
            if (hypervisors.get((FIRST_STARTABLE + i) % hypervisors.size()).equals(QEMU)) {
                commands.addAll(qemuSession("vm-" + (FIRST_STARTABLE + i)));
            }
        }
        commands.addAll(List.of(
                List.of("create", "--name", "web", "--memory", "2G", "no-such-image"),
                List.of("console", "vm-3"),
                List.of("clone", "no-such-snapshot", "--name", "copy"),
                List.of("rm", "vm-5"),
                List.of("gc", "--dry-run"),
                List.of("ps")));
        return commands;
    }

    /**
     * What is done to a running QEMU VM, once {@code start} has found its QMP socket answering: train-aot's stand-in
     * QEMU ({@link TrainingQemu}) serves it, so every QMP exchange runs here as it does against QEMU 7.2. Trained
     * only on commands that never reached QMP, a {@code stop} loaded the QMP client and its Jackson binding from the
     * jars.
     */
    private static List<List<String>> qemuSession(String vm) {
        return List.of(
                List.of("ps"),
                List.of("inspect", vm),
                List.of("snapshot", "save", vm, "--name", "trained"),
                List.of("clone", "trained", "--name", "trained-clone"),
                List.of("ps", "--format", "json"),
                List.of("stop", "trained-clone"),
                List.of("stop", vm));
    }

    /** {@code AotTraining store|cli SCRATCH_DIR}: the store goes there; the commands' output goes to stdout. */
    public static void main(String[] args) {
        boolean store = "store".equals(args[0]);
        Path scratch = Path.of(args[1]);
        Path config = scratch.resolve("config.toml");
        String[] dirs = {
            "--config",
            config.toString(),
            "--root-dir",
            scratch.resolve("root").toString(),
            "--run-dir",
            scratch.resolve("run").toString(),
            "--log-dir",
            scratch.resolve("log").toString()
        };
        List<List<String>> commands = CLI;
        if (store) {
            List<String> hypervisors = PluginCatalog.discover(null).hypervisors().stream()
                    .map(Hypervisor.Provider::name)
                    .toList();
            TrainingRegistry registry = startRegistry();
            commands = new ArrayList<>(storeCommands(hypervisors));
            if (registry != null) {
                // As bench/pull.sh pulls; on a host without mkfs.erofs it fails at the conversion, trained that far.
                commands.add(List.of("pull", "--insecure", "--quiet", registry.reference()));
            }
            writeConfig(scratch, config);
            writeRecords(scratch.resolve("root/vms"), hypervisors);
        }
        int failures = 0;
        for (List<String> command : commands) {
            String[] line = Stream.concat(Stream.of(dirs), command.stream()).toArray(String[]::new);
            // Through Main, so the cache holds the launcher's own class too.
            failures += Main.run(line) == 0 ? 0 : 1;
        }
        if (store) {
            attachConsole(scratch);
        }
        System.out.println("trained on " + commands.size() + " commands (" + failures + " failed as planned)");
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    /** A registry on loopback for the pull's training; none (and no pull trained) where no port can be had. */
    private static TrainingRegistry startRegistry() {
        try {
            return TrainingRegistry.start();
        } catch (IOException e) {
            System.out.println("no training registry: " + e.getMessage());
            return null;
        }
    }

    /**
     * A console session to a socket that prints a prompt and hangs up, as a stopping VM's would, so the cache holds
     * JNA and the relay too: {@code console} of a running clone loaded ~220 classes from the jars, ~100 ms of its
     * start under load. The training's stdin is {@code /dev/null} (train-aot), so no terminal is switched to raw.
     */
    private static void attachConsole(Path scratch) {
        Path socket = scratch.resolve("console.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread guest = Thread.ofPlatform().start(() -> {
                try (SocketChannel client = server.accept()) {
                    client.write(ByteBuffer.wrap("cocoon# ".getBytes(StandardCharsets.US_ASCII)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            new ConsoleSession(socket, scratch.resolve("console.lock"), EscapeFilter.parse("~"), "trainee").attach();
            guest.join();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A config file such as an administrator writes, so reading TOML is trained too. */
    private static void writeConfig(Path scratch, Path config) {
        try {
            Files.createDirectories(scratch);
            Files.writeString(
                    config,
                    "[defaults]\ncpu = 2\nmemory = \"1G\"\nstop_timeout = \"30s\"\n\n[gc]\nafter_remove = true\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stopped VMs as {@code create} writes them, their hypervisors taken in turn from the installed ones; their
     * disks do not exist, which no listing command minds.
     */
    private static void writeRecords(Path vms, List<String> hypervisors) {
        AtomicJsonFiles json = new AtomicJsonFiles();
        HexFormat hex = HexFormat.of();
        Instant created = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < RECORDS; i++) {
            String id = hex.toHexDigits((long) i * 0x9E3779B97F4A7C15L);
            Path dir = vms.resolve(id);
            VmSpec spec = new VmSpec(
                    "vm-" + i,
                    2,
                    1L << 30,
                    10L << 30,
                    hypervisors.get(i % hypervisors.size()),
                    Map.of(),
                    new VmSpec.CloudInit("cocoon", "cocoon", List.of(), List.of()));
            List<Disk> disks = List.of(
                    new Disk(dir.resolve("base.erofs"), DiskFormat.RAW, true, "base", null),
                    new Disk(dir.resolve("cow.raw"), DiskFormat.RAW, false, "cocoon-cow", null));
            VmRecord record = new VmRecord(
                    id,
                    "vm-" + i,
                    VmState.STOPPED,
                    spec,
                    new VmRecord.ImageRef("oci", "registry.example/demo:latest", "sha256:" + "0".repeat(64)),
                    BootSpec.kernel(dir.resolve("vmlinuz"), dir.resolve("initrd"), "console=hvc0"),
                    disks,
                    created.plusSeconds(i),
                    created.plusSeconds(i + 60L),
                    0,
                    null,
                    VmNetwork.none());
            json.write(dir.resolve("vm.json"), record);
            if (i >= FIRST_STARTABLE && i < FIRST_STARTABLE + hypervisors.size()) {
                touch(dir.resolve("base.erofs"), dir.resolve("cow.raw"), dir.resolve("vmlinuz"), dir.resolve("initrd"));
            }
        }
    }

    private static void touch(Path... files) {
        try {
            for (Path file : files) {
                Files.createFile(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
