package cocoon.e2e.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocoon.e2e.CocoonCli;
import cocoon.e2e.LockTable;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of the cocoon JVM at random moments of each mutating command, at least one of them while
 * the command holds a lock of the store (in the middle of a mutation). After every kill the CLI
 * still reads the store, the invariants hold, {@code gc --horizon 0s} leaves only referenced files,
 * and the same command then succeeds.
 */
@Tag("reliability")
class CrashSafetyTest {

    private static final int RUNS = Integer.getInteger("reliability.crash.runs", 4);
    /** QEMU guests under TCG are slow: fewer kills per command than the rest. */
    private static final int QEMU_RUNS = Integer.getInteger("reliability.crash.qemu.runs", 2);
    /** Slow enough that the download is a good part of a pull, fast enough to keep the case short. */
    private static final long CLOUD_IMAGE_RATE = 16L << 20;
    /** Kills of a bridge VM's start, stop and rm: enough for each repairing command to follow a kill once. */
    private static final int BRIDGE_RUNS = Integer.getInteger("reliability.crash.bridge.runs", 3);
    /** Runs killed at the first store lock seen, tried only when no random kill landed mid-mutation. */
    private static final int AIMED_RUNS = 6;

    private static final Random RANDOM = new Random(Long.getLong("reliability.seed", System.nanoTime()));

    @TempDir
    static Path dir;

    private static String demoImage;
    private static BridgeStore bridge;

    @RegisterExtension
    static final PulledStore store = new PulledStore("crash/vm", () -> dir);

    /** One command to interrupt: what to prepare before it, its arguments, and how to prove recovery after. */
    private interface Round {
        String[] prepare(int run) throws Exception;

        void recover(int run, String[] command) throws Exception;

        /** The earliest kill as a fraction of the uninterrupted time: later than 0 to skip a start-up with nothing to interrupt. */
        default double killFrom() {
            return 0;
        }

        /**
         * The lock file (its name) a kill must land inside to count as interrupting the mutation this round is about,
         * and the one aimed kills wait for; empty: any lock of the store.
         */
        default String mutationLock() {
            return "";
        }

        /** The cocoon to run, kill and check: the class's store, unless the round's VMs live in a namespace. */
        default CocoonCli cocoon() {
            return store.cocoon();
        }

        /** What the store shows about where the kill landed, read before anything repairs it; null if nothing to say. */
        @SuppressWarnings("UnusedVariable") // the rounds that override it read run
        default String whereKilled(int run) throws Exception {
            return null;
        }
    }

    @Test
    void pullKilledAnywhere() throws Exception {
        crash(
                "pull",
                "a 2-layer image with a 3 MB layer of noise, killed during download, EROFS conversion or indexing",
                new Round() {
                    @Override
                    public String[] prepare(int run) throws Exception {
                        return new String[] {
                            "pull",
                            "--quiet",
                            Images.push(store.registry(), "crash/pull", "r" + run, 100 + run, 3 << 20)
                        };
                    }

                    @Override
                    public void recover(int run, String[] command) {
                        store.cocoon().run(command).ok();
                    }
                });
    }

    @Test
    void cloudImagePullKilledAnywhere() throws Exception {
        Map<Integer, Path> sources = new HashMap<>();
        Map<Integer, String> urls = new HashMap<>();
        try (CloudImageServer mirror = new CloudImageServer(CLOUD_IMAGE_RATE)) {
            crash(
                    "cloud image pull",
                    "pull of a 16 MiB raw disk image over HTTP (sent at 16 MiB/s, then converted to qcow2), killed at a random moment from 35% to 110% of an uninterrupted pull (past the JVM's start-up: during download, conversion or commit); "
                            + "the next pull resumes the download (or reuses a whole one) and its base holds exactly the served disk (qemu-img compare); every visible base passes qemu-img check",
                    new Round() {
                        @Override
                        public String[] prepare(int run) throws Exception {
                            Path raw = Files.write(
                                    Files.createDirectories(dir.resolve("cloud"))
                                            .resolve("disk-" + run + ".raw"),
                                    rawDisk(run));
                            sources.put(run, raw);
                            urls.put(run, mirror.serve("/disk-" + run + ".raw", raw));
                            return new String[] {"pull", "--quiet", urls.get(run)};
                        }

                        @Override
                        public double killFrom() {
                            return 0.35;
                        }

                        @Override
                        public String whereKilled(int run) throws Exception {
                            return CloudPulls.phase(store.cocoon().root(), urls.get(run), Files.size(sources.get(run)));
                        }

                        @Override
                        public void recover(int run, String[] command) throws Exception {
                            store.cocoon().run(command).ok();
                            CloudPulls.requireBaseHolds(store.cocoon().root(), urls.get(run), sources.get(run));
                            store.cocoon().run("delete", urls.get(run)).ok();
                        }
                    });
        }
    }

    @Test
    void qemuStartKilledAnywhere() throws Exception {
        String vm = demoVm("qs");
        try {
            crash(
                    "start (QEMU)",
                    "start of the demo guest under QEMU (TCG, 1 CPU, 256M); afterwards at most one QEMU runs for the VM, "
                            + "ps says running exactly when one does, start brings it up (once), stop --force and rm --force end it",
                    QEMU_RUNS,
                    new Round() {
                        @Override
                        public String[] prepare(int run) {
                            stopped(vm);
                            return new String[] {"start", vm};
                        }

                        @Override
                        public String whereKilled(int run) throws Exception {
                            return Hypervisors.of(store.cocoon(), id(vm)).size() + " QEMU";
                        }

                        @Override
                        public void recover(int run, String[] command) throws Exception {
                            String id = id(vm);
                            Hypervisors.requireStateMatchesProcess(store.cocoon(), vm, id);
                            CocoonCli.Run again = store.cocoon().run(command);
                            if (again.exit() != 0 && !again.err().contains("already running")) {
                                again.ok();
                            }
                            Hypervisors.requireCount(store.cocoon(), id, 1);
                            Hypervisors.requireStateMatchesProcess(store.cocoon(), vm, id);
                        }
                    });
        } finally {
            removed(vm);
        }
    }

    @Test
    void qemuStopKilledAnywhere() throws Exception {
        String vm = demoVm("qt");
        try {
            crash(
                    "stop (QEMU)",
                    "stop --timeout 3s of the demo guest under QEMU (TCG, 1 CPU, 256M; power button, then harder); afterwards at most one QEMU runs for the VM, "
                            + "ps says running exactly when one does, stop ends it, start brings it back (once), rm --force ends it",
                    QEMU_RUNS,
                    new Round() {
                        @Override
                        public String[] prepare(int run) {
                            CocoonCli.Run start = store.cocoon().run("start", vm);
                            if (start.exit() != 0 && !start.err().contains("already running")) {
                                start.ok();
                            }
                            return new String[] {"stop", "--timeout", "3s", vm};
                        }

                        @Override
                        public String whereKilled(int run) throws Exception {
                            return Hypervisors.of(store.cocoon(), id(vm)).size() + " QEMU";
                        }

                        @Override
                        public void recover(int run, String[] command) throws Exception {
                            String id = id(vm);
                            Hypervisors.requireStateMatchesProcess(store.cocoon(), vm, id);
                            stopped(vm);
                            Hypervisors.requireNone(store.cocoon(), id);
                            Hypervisors.requireStateMatchesProcess(store.cocoon(), vm, id);
                            store.cocoon().run("start", vm).ok();
                            Hypervisors.requireCount(store.cocoon(), id, 1);
                        }
                    });
        } finally {
            removed(vm);
        }
    }

    @Test
    void bridgeStartKilledAnywhere() throws Exception {
        BridgeStore bridge = bridge();
        String vm = "bs";
        bridge.cocoon().run(bridge.create(vm, "-p", "127.0.0.1:8080:80")).ok();
        JsonNode created = bridge.network(vm);
        try {
            crash(
                    "start (bridge)",
                    "start of a bridge VM with a port published on 127.0.0.1 (demo guest, QEMU TCG) in a network namespace; "
                            + BRIDGE_REPAIR,
                    BRIDGE_RUNS,
                    new BridgeRound(bridge, vm, created, List.of("gc", "stop", "start")) {
                        @Override
                        public String[] prepare(int run) {
                            stopped(bridge.cocoon(), vm);
                            return new String[] {"start", vm};
                        }
                    });
        } finally {
            bridge.cocoon().run("rm", "--force", vm).ok();
        }
    }

    @Test
    void bridgeStopKilledAnywhere() throws Exception {
        BridgeStore bridge = bridge();
        String vm = "bt";
        bridge.cocoon().run(bridge.create(vm, "-p", "127.0.0.1:8081:80")).ok();
        JsonNode created = bridge.network(vm);
        try {
            crash(
                    "stop (bridge)",
                    "stop --force of a running bridge VM with a port published on 127.0.0.1 (demo guest, QEMU TCG) in a network namespace; "
                            + BRIDGE_REPAIR,
                    BRIDGE_RUNS,
                    new BridgeRound(bridge, vm, created, List.of("gc", "start", "stop")) {
                        @Override
                        public String[] prepare(int run) {
                            started(bridge.cocoon(), vm);
                            return new String[] {"stop", "--force", vm};
                        }
                    });
        } finally {
            bridge.cocoon().run("rm", "--force", vm).ok();
        }
    }

    @Test
    void bridgeRmKilledAnywhere() throws Exception {
        BridgeStore bridge = bridge();
        crash(
                "rm (bridge)",
                "rm --force of a running bridge VM with a port published on 127.0.0.1 (demo guest, QEMU TCG) in a network namespace; "
                        + "the next gc or rm leaves no TAP or DNAT rule of a VM that does not run and no lease without a VM record",
                BRIDGE_RUNS,
                new Round() {
                    @Override
                    public CocoonCli cocoon() {
                        return bridge.cocoon();
                    }

                    @Override
                    public String mutationLock() {
                        return BRIDGE_HOST_LOCK;
                    }

                    @Override
                    public double killFrom() {
                        return BRIDGE_KILL_FROM;
                    }

                    @Override
                    public String[] prepare(int run) {
                        bridge.cocoon()
                                .run(bridge.create("br" + run, "-p", "127.0.0.1:8082:80"))
                                .ok();
                        bridge.cocoon().run("start", "br" + run).ok();
                        return new String[] {"rm", "--force", "br" + run};
                    }

                    @Override
                    public String whereKilled(int run) throws Exception {
                        return bridge.hostSide();
                    }

                    @Override
                    public void recover(int run, String[] command) throws Exception {
                        List<String> repairs = List.of("gc", "rm");
                        String repair = repairs.get(Math.floorMod(run - 1, repairs.size()));
                        repaired(bridge.cocoon(), "br" + run, repair);
                        requireNoStrays(bridge, "after " + repair);
                        CocoonCli.Run again = bridge.cocoon().run(command);
                        if (again.exit() != 0 && !again.err().contains("no VM named")) {
                            again.ok();
                        }
                        requireNoStrays(bridge, "after rm");
                    }
                });
    }

    /** What the bridge mode holds around bridge, table, running ports and TAP: a kill inside it interrupts the host side. */
    private static final String BRIDGE_HOST_LOCK = "networks.bridge.host.lock";
    /** About the JVM's start-up, of a start or stop that takes ~500 ms here: random kills land in the command itself. */
    private static final double BRIDGE_KILL_FROM = 0.4;

    private static final String BRIDGE_REPAIR =
            "the next start, stop or gc (taking turns) leaves no TAP or DNAT rule of a VM that does not run and no lease "
                    + "without a VM record, then start brings the VM back with the address and MAC it was created with, "
                    + "its TAP and its rule, and stop takes them away";

    /**
     * A kill of a bridge VM's start or stop, repaired by one of {@code repairs} (taking turns by run): then nothing
     * on the host belongs to a VM that does not run, a start brings the VM back as it was created, a stop clears it.
     */
    private abstract static class BridgeRound implements Round {
        private final BridgeStore bridge;
        private final String vm;
        private final JsonNode created;
        private final List<String> repairs;

        BridgeRound(BridgeStore bridge, String vm, JsonNode created, List<String> repairs) {
            this.bridge = bridge;
            this.vm = vm;
            this.created = created;
            this.repairs = repairs;
        }

        @Override
        public CocoonCli cocoon() {
            return bridge.cocoon();
        }

        @Override
        public String mutationLock() {
            return BRIDGE_HOST_LOCK;
        }

        @Override
        public double killFrom() {
            return BRIDGE_KILL_FROM;
        }

        @Override
        public String whereKilled(int run) throws Exception {
            return bridge.hostSide() + " + "
                    + Hypervisors.of(bridge.cocoon(), id(bridge.cocoon(), vm)).size() + " QEMU";
        }

        @Override
        public void recover(int run, String[] command) throws Exception {
            String repair = repairs.get(Math.floorMod(run - 1, repairs.size()));
            repaired(bridge.cocoon(), vm, repair);
            requireNoStrays(bridge, "after " + repair);
            started(bridge.cocoon(), vm);
            JsonNode now = bridge.network(vm);
            if (!now.path("address").equals(created.path("address"))
                    || !now.path("mac").equals(created.path("mac"))) {
                throw new AssertionError("the VM came back as " + now + ", created as " + created);
            }
            String tap = now.path("tap").asText();
            if (!bridge.taps().contains(tap)) {
                throw new AssertionError("the started VM has no TAP " + tap + ": " + bridge.taps());
            }
            String address = now.path("address").asText().replaceFirst("/.*", "");
            if (bridge.dnatRules().stream().noneMatch(rule -> rule.endsWith("dnat to " + address + ":80"))) {
                throw new AssertionError("the started VM's port has no DNAT rule: " + bridge.dnatRules());
            }
            stopped(bridge.cocoon(), vm);
            requireNoStrays(bridge, "after the final stop");
        }
    }

    /** Runs {@code repair} on {@code vm} as the next command after a kill: gc, start, stop or rm, whatever state the kill left. */
    private static void repaired(CocoonCli cocoon, String vm, String repair) {
        switch (repair) {
            case "gc" -> cocoon.run("gc").ok();
            case "start" -> started(cocoon, vm);
            case "stop" -> stopped(cocoon, vm);
            case "rm" -> {
                CocoonCli.Run rm = cocoon.run("rm", "--force", vm);
                if (rm.exit() != 0 && !rm.err().contains("no VM named")) {
                    rm.ok();
                }
            }
            default -> throw new IllegalArgumentException(repair);
        }
    }

    private static void requireNoStrays(BridgeStore bridge, String when) throws Exception {
        List<String> strays = bridge.strays();
        if (!strays.isEmpty()) {
            throw new AssertionError(when + ": " + strays);
        }
    }

    /** The bridge store in its namespace, made the first time a case asks for it. */
    private static BridgeStore bridge() throws Exception {
        if (bridge == null) {
            bridge = BridgeStore.open(dir, store.registry(), "crash");
        }
        return bridge;
    }

    @AfterAll
    static void closeBridge() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
    }

    /** A QEMU VM of the demo guest, pushed and pulled the first time it is asked for. */
    private static String demoVm(String name) throws Exception {
        if (demoImage == null) {
            demoImage = DemoGuest.pushAndPull(dir, store.registry(), store.cocoon());
        }
        store.cocoon()
                .run(
                        "create",
                        "--network",
                        "none",
                        "--name",
                        name,
                        "--hypervisor",
                        "qemu",
                        "--accel",
                        "tcg",
                        "--cpu",
                        "1",
                        "--memory",
                        "256M",
                        "--storage",
                        "256M",
                        demoImage)
                .ok();
        return name;
    }

    /** Stops {@code vm} at once unless it is already stopped. */
    private static void stopped(String vm) {
        stopped(store.cocoon(), vm);
    }

    private static void stopped(CocoonCli cocoon, String vm) {
        CocoonCli.Run stop = cocoon.run("stop", "--force", vm);
        if (stop.exit() != 0 && !stop.err().contains("not running")) {
            stop.ok();
        }
    }

    /** Starts {@code vm} unless it already runs. */
    private static void started(CocoonCli cocoon, String vm) {
        CocoonCli.Run start = cocoon.run("start", vm);
        if (start.exit() != 0 && !start.err().contains("already running")) {
            start.ok();
        }
    }

    /** rm --force leaves no QEMU of the VM behind. */
    private static void removed(String vm) throws Exception {
        String id = id(vm);
        store.cocoon().run("rm", "--force", vm).ok();
        Hypervisors.requireNone(store.cocoon(), id);
    }

    /** A raw disk of noise (so conversion has work to do) unique to {@code seed}, with an MBR signature. */
    private static byte[] rawDisk(int seed) {
        byte[] disk = Images.noise(1000 + seed, 16 << 20);
        disk[510] = 0x55;
        disk[511] = (byte) 0xaa;
        return disk;
    }

    @Test
    void createKilledAnywhere() throws Exception {
        crash("create", "create of a VM (raw COW disk formatted ext4) from a pulled image", new Round() {
            @Override
            public String[] prepare(int run) {
                return new String[] {
                    "create",
                    "--network",
                    "none",
                    "--name",
                    "c" + run,
                    "--hypervisor",
                    "chv",
                    "--memory",
                    "256M",
                    "--storage",
                    "256M",
                    store.image()
                };
            }

            @Override
            public void recover(int run, String[] command) {
                store.cocoon().run("rm", "--force", "c" + run);
                store.cocoon().run(command).ok();
                store.cocoon().run("rm", "c" + run).ok();
            }
        });
    }

    @Test
    void startKilledAnywhere() throws Exception {
        crash(
                "start",
                "start under the Cloud Hypervisor double; ps says running exactly when a hypervisor process of the VM lives, and stop leaves none",
                new Round() {
                    @Override
                    public String[] prepare(int run) {
                        store.cocoon()
                                .run(
                                        "create",
                                        "--network",
                                        "none",
                                        "--name",
                                        "s" + run,
                                        "--hypervisor",
                                        "chv",
                                        "--memory",
                                        "256M",
                                        "--storage",
                                        "64M",
                                        store.image())
                                .ok();
                        return new String[] {"start", "s" + run};
                    }

                    @Override
                    public void recover(int run, String[] command) throws Exception {
                        String id = id("s" + run);
                        Hypervisors.requireStateMatchesProcess(store.cocoon(), "s" + run, id);
                        store.cocoon().run("stop", "--force", "s" + run).ok();
                        Hypervisors.requireNone(store.cocoon(), id);
                        store.cocoon().run(command).ok();
                        Hypervisors.requireCount(store.cocoon(), id, 1);
                        store.cocoon().run("rm", "--force", "s" + run).ok();
                        Hypervisors.requireNone(store.cocoon(), id);
                    }
                });
    }

    @Test
    void stopKilledAnywhere() throws Exception {
        crash(
                "stop",
                "stop of a running VM (Cloud Hypervisor double); ps never shows a dead hypervisor as running",
                new Round() {
                    @Override
                    public String[] prepare(int run) {
                        store.cocoon()
                                .run(
                                        "create",
                                        "--network",
                                        "none",
                                        "--name",
                                        "t" + run,
                                        "--hypervisor",
                                        "chv",
                                        "--memory",
                                        "256M",
                                        "--storage",
                                        "64M",
                                        store.image())
                                .ok();
                        store.cocoon().run("start", "t" + run).ok();
                        return new String[] {"stop", "t" + run};
                    }

                    @Override
                    public void recover(int run, String[] command) throws Exception {
                        String id = id("t" + run);
                        Hypervisors.requireStateMatchesProcess(store.cocoon(), "t" + run, id);
                        store.cocoon().run(command).ok();
                        Hypervisors.requireNone(store.cocoon(), id);
                        store.cocoon().run("start", "t" + run).ok();
                        Hypervisors.requireCount(store.cocoon(), id, 1);
                        store.cocoon().run("rm", "--force", "t" + run).ok();
                        Hypervisors.requireNone(store.cocoon(), id);
                    }
                });
    }

    @Test
    void rmKilledAnywhere() throws Exception {
        crash("rm", "rm of a stopped VM", new Round() {
            @Override
            public String[] prepare(int run) {
                store.cocoon()
                        .run(
                                "create",
                                "--network",
                                "none",
                                "--name",
                                "r" + run,
                                "--hypervisor",
                                "chv",
                                "--memory",
                                "256M",
                                "--storage",
                                "64M",
                                store.image())
                        .ok();
                return new String[] {"rm", "r" + run};
            }

            @Override
            public void recover(int run, String[] command) {
                CocoonCli.Run again = store.cocoon().run(command);
                if (again.exit() != 0 && !again.err().contains("no VM named")) {
                    again.ok();
                }
            }
        });
    }

    @Test
    void namesFindTheirVmAfterCreateOrRmKilledAnywhere() throws Exception {
        crash(
                "create or rm (names)",
                "create (even runs, so the uninterrupted run that sets the kill window is one) or rm (odd runs) of a VM (Cloud Hypervisor double), killed anywhere, among others while they hold "
                        + "the index lock (name entry and record); afterwards every VM ps lists is the one inspect finds by its name, "
                        + "the command succeeds again, and a removed name can be taken by a new VM that inspect then finds",
                2 * RUNS,
                new Round() {
                    @Override
                    public String mutationLock() {
                        return "vms-index.lock";
                    }

                    @Override
                    public String[] prepare(int run) {
                        String[] create = namedCreate("n" + run);
                        if (run % 2 == 0) {
                            return create;
                        }
                        store.cocoon().run(create).ok();
                        return new String[] {"rm", "n" + run};
                    }

                    @Override
                    public String whereKilled(int run) throws Exception {
                        return run % 2 == 0 ? "create" : "rm";
                    }

                    @Override
                    public void recover(int run, String[] command) throws Exception {
                        String vm = "n" + run;
                        requireEveryNameFindsItsVm();
                        CocoonCli.Run again = store.cocoon().run(command);
                        if (again.exit() != 0
                                && !again.err().contains("no VM named")
                                && !again.err().contains("already exists")) {
                            again.ok();
                        }
                        requireEveryNameFindsItsVm();
                        if (run % 2 == 1) {
                            store.cocoon().run(namedCreate(vm)).ok();
                            requireEveryNameFindsItsVm();
                        }
                        store.cocoon().run("rm", vm).ok();
                        CocoonCli.Run gone = store.cocoon().run("inspect", vm);
                        if (gone.exit() == 0 || !gone.err().contains("no VM named '" + vm + "'")) {
                            throw new AssertionError("inspect " + vm + " after rm: " + gone.out() + gone.err());
                        }
                    }
                });
    }

    @Test
    void snapshotSaveKilledAnywhere() throws Exception {
        String vm = runningChvVm("sv");
        crash(
                "snapshot save",
                "snapshot save of a running VM under the Cloud Hypervisor double (pause, disk copy, vm.snapshot of its "
                        + "memory, resume, record), killed anywhere; snapshot ls never lists a half snapshot, the VM is left "
                        + "running or paused with one hypervisor, the next start resumes a paused one, and the save succeeds again",
                new Round() {
                    @Override
                    public String[] prepare(int run) {
                        return new String[] {"snapshot", "save", vm, "--name", "sv" + run};
                    }

                    // Past the JVM's start-up, which is most of a save that takes ~160 ms here: kills land while
                    // paused.
                    @Override
                    public double killFrom() {
                        return 0.5;
                    }

                    @Override
                    public String whereKilled(int run) throws Exception {
                        return state(vm) + (snapshotListed("sv" + run) ? " + listed" : "");
                    }

                    @Override
                    public void recover(int run, String[] command) throws Exception {
                        String id = id(vm);
                        Hypervisors.requireCount(store.cocoon(), id, 1);
                        requireState(vm, "running", "paused");
                        started(store.cocoon(), vm);
                        requireState(vm, "running");
                        Hypervisors.requireCount(store.cocoon(), id, 1);
                        CocoonCli.Run again = store.cocoon().run(command);
                        if (again.exit() != 0 && !again.err().contains("already exists")) {
                            again.ok();
                        }
                        requireState(vm, "running");
                        store.cocoon().run("snapshot", "rm", "sv" + run).ok();
                    }
                });
    }

    @Test
    void cloneKilledAnywhere() throws Exception {
        String vm = runningChvVm("cs");
        store.cocoon().run("snapshot", "save", vm, "--name", "cs-warm").ok();
        crash(
                "clone",
                "clone of a memory snapshot under the Cloud Hypervisor double (disk copies, record, restore of the state, "
                        + "resume), killed anywhere; a clone ps lists is created, paused or running, the next start leaves it "
                        + "running from the saved state (--restore, never a boot), gc removes a clone's folder without a record",
                new Round() {
                    @Override
                    public String[] prepare(int run) {
                        return new String[] {"clone", "cs-warm", "--name", "cc" + run};
                    }

                    @Override
                    public String whereKilled(int run) throws Exception {
                        return vmListed("cc" + run) ? state("cc" + run) : "not listed";
                    }

                    @Override
                    public void recover(int run, String[] command) throws Exception {
                        String clone = "cc" + run;
                        if (vmListed(clone)) {
                            requireState(clone, "created", "paused", "running");
                            started(store.cocoon(), clone);
                            requireResumedNotBooted(clone);
                            store.cocoon().run("rm", "--force", clone).ok();
                        }
                        store.cocoon().run(command).ok();
                        requireResumedNotBooted(clone);
                        store.cocoon().run("rm", "--force", clone).ok();
                    }
                });
    }

    @Test
    void restoreKilledAnywhere() throws Exception {
        String vm = runningChvVm("rs");
        store.cocoon().run("snapshot", "save", vm, "--name", "rs-warm").ok();
        crash(
                "restore",
                "restore of a stopped VM to a memory snapshot of it under the Cloud Hypervisor double (staged disk copies, "
                        + "journal, renames, resume from the state), killed anywhere; the next start leaves it running from the "
                        + "saved state (--restore, never a boot) and the restore succeeds again",
                new Round() {
                    @Override
                    public String[] prepare(int run) {
                        stopped(store.cocoon(), vm);
                        return new String[] {"restore", vm, "rs-warm"};
                    }

                    @Override
                    public String whereKilled(int run) throws Exception {
                        return state(vm);
                    }

                    @Override
                    public void recover(int run, String[] command) throws Exception {
                        started(store.cocoon(), vm);
                        Hypervisors.requireCount(store.cocoon(), id(vm), 1);
                        stopped(store.cocoon(), vm);
                        store.cocoon().run(command).ok();
                        requireResumedNotBooted(vm);
                    }
                });
    }

    /** A VM of the pulled image under the Cloud Hypervisor double, started. */
    private static String runningChvVm(String name) {
        store.cocoon().run(namedCreate(name)).ok();
        store.cocoon().run("start", name).ok();
        return name;
    }

    private static String state(String name) throws Exception {
        for (var vm : new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(store.cocoon().run("ps", "--format", "json").ok().out())) {
            if (vm.path("name").asText().equals(name)) {
                return vm.path("state").asText().toLowerCase(java.util.Locale.ROOT);
            }
        }
        throw new AssertionError("no VM named " + name);
    }

    private static boolean vmListed(String name) throws Exception {
        for (var vm : new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(store.cocoon().run("ps", "--format", "json").ok().out())) {
            if (vm.path("name").asText().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean snapshotListed(String name) throws Exception {
        for (var snapshot : new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(store.cocoon()
                        .run("snapshot", "ls", "--format", "json")
                        .ok()
                        .out())) {
            if (snapshot.path("name").asText().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static void requireState(String vm, String... allowed) throws Exception {
        String state = state(vm);
        if (!List.of(allowed).contains(state)) {
            throw new AssertionError("VM " + vm + " is " + state + ", expected one of " + List.of(allowed));
        }
    }

    /** Running, under one hypervisor that the double started with {@code --restore} (a boot would name a kernel). */
    private static void requireResumedNotBooted(String vm) throws Exception {
        requireState(vm, "running");
        List<ProcessHandle> hypervisors = Hypervisors.of(store.cocoon(), id(vm));
        if (hypervisors.size() != 1) {
            throw new AssertionError(hypervisors.size() + " hypervisors run VM " + vm);
        }
        String line = hypervisors.getFirst().info().commandLine().orElse("");
        if (!line.contains("--restore") || line.contains("--kernel")) {
            throw new AssertionError("VM " + vm + " was not resumed from its state: " + line);
        }
    }

    private static String[] namedCreate(String name) {
        return new String[] {
            "create",
            "--network",
            "none",
            "--name",
            name,
            "--hypervisor",
            "chv",
            "--memory",
            "256M",
            "--storage",
            "64M",
            store.image()
        };
    }

    /** Every VM ps lists (ps reads every record) is the one {@code inspect NAME} finds through the name entries. */
    private static void requireEveryNameFindsItsVm() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (var vm :
                json.readTree(store.cocoon().run("ps", "--format", "json").ok().out())) {
            String name = vm.path("name").asText();
            JsonNode found =
                    json.readTree(store.cocoon().run("inspect", name).ok().out());
            if (!found.path("vm").path("id").asText().equals(vm.path("id").asText())) {
                throw new AssertionError(
                        "inspect " + name + " finds " + found.path("vm").path("id") + ", ps lists " + vm.path("id"));
            }
        }
    }

    @Test
    void deleteKilledAnywhere() throws Exception {
        crash("delete", "delete of a pulled image (gc after remove is on)", new Round() {
            @Override
            public String[] prepare(int run) throws Exception {
                String ref = Images.push(store.registry(), "crash/delete", "d" + run, 200 + run, 256 << 10);
                store.cocoon().run("pull", "--quiet", ref).ok();
                return new String[] {"delete", ref};
            }

            @Override
            public void recover(int run, String[] command) {
                CocoonCli.Run again = store.cocoon().run(command);
                if (again.exit() != 0
                        && !again.err().contains("not pulled")
                        && !again.err().contains("no image")) {
                    again.ok();
                }
            }
        });
    }

    @Test
    void gcKilledAnywhere() throws Exception {
        crash("gc", "gc with garbage to remove: a deleted image's blobs and a removed VM's folder", new Round() {
            @Override
            public String[] prepare(int run) throws Exception {
                String ref = Images.push(store.registry(), "crash/gc", "g" + run, 300 + run, 256 << 10);
                store.cocoon().run("pull", "--quiet", ref).ok();
                store.cocoon()
                        .run(
                                "create",
                                "--network",
                                "none",
                                "--name",
                                "g" + run,
                                "--hypervisor",
                                "chv",
                                "--memory",
                                "256M",
                                "--storage",
                                "64M",
                                ref)
                        .ok();
                store.cocoon().config(Files.readString(store.cocoon().configFile()) + "[gc]\nafter_remove = false\n");
                try {
                    store.cocoon().run("rm", "g" + run).ok();
                    store.cocoon().run("delete", ref).ok();
                } finally {
                    store.cocoon()
                            .config(Files.readString(store.cocoon().configFile())
                                    .replace("[gc]\nafter_remove = false\n", ""));
                }
                return new String[] {"gc", "--horizon", "0s"};
            }

            @Override
            public void recover(int run, String[] command) {
                store.cocoon().run(command).ok();
            }
        });
    }

    private void crash(String name, String what, Round round) throws Exception {
        crash(name, what, RUNS, round);
    }

    /**
     * Times one uninterrupted run, then kills {@code runs} more at uniformly random moments between the
     * launch (or {@link Round#killFrom} of that time) and 110% of that time (some runs finish first: those
     * prove the invariants of the end state). A kill counts as landing mid-mutation when the command held
     * a lock of the store at that moment; if no random kill did, up to {@link #AIMED_RUNS} more runs are
     * killed as soon as the command is seen holding one, and the case fails if none ever lands there.
     */
    private void crash(String name, String what, int runs, Round round) throws Exception {
        String[] first = round.prepare(0);
        long started = System.nanoTime();
        round.cocoon().run(first).ok();
        long fullMillis = (System.nanoTime() - started) / 1_000_000;
        round.recover(0, first);
        Kills kills = new Kills();
        for (int run = 1; run <= runs; run++) {
            long delay = (long) ((round.killFrom() + RANDOM.nextDouble() * (1.1 - round.killFrom())) * fullMillis);
            kills.delays.add(delay);
            killOnce(name, run, round, kills, process -> {
                Thread.sleep(delay);
                return process.isAlive()
                        ? LockTable.heldBy(process.pid(), round.cocoon().root())
                        : List.of();
            });
        }
        for (int aimed = 1; kills.mutating.isEmpty() && aimed <= AIMED_RUNS; aimed++) {
            kills.aimed++;
            killOnce(name, runs + aimed, round, kills, process -> awaitLock(process, round));
        }
        String lock = round.mutationLock().isEmpty() ? "a store lock" : round.mutationLock();
        List<String> failures = new ArrayList<>(kills.failures);
        if (kills.mutating.isEmpty()) {
            failures.add("no kill of " + name + " landed while it held " + lock + " (" + runs + " random kills, "
                    + kills.aimed
                    + " aimed at the first moment seen holding it): the case never interrupted a mutation");
        }
        int total = runs + kills.aimed;
        Results.record(
                "crash safety",
                "SIGKILL during " + name,
                what + "; at least one kill lands while the command holds " + lock + " (mutating); "
                        + "then ps/list exit 0, records/indexes parse, named files exist, blobs pass fsck.erofs, gc leaves nothing unreferenced, the command succeeds again",
                total,
                Math.max(0, total - failures.size()),
                "uninterrupted " + fullMillis + " ms; kill delays " + kills.delays + " ms"
                        + (kills.aimed == 0 ? "" : " + " + kills.aimed + " aimed")
                        + "; " + kills.killed + " killed mid-run, " + kills.mutating.size() + " holding " + lock + " "
                        + kills.mutating
                        + (kills.phases.isEmpty() ? "" : "; found after each kill: " + kills.phases));
        assertEquals(List.of(), failures);
    }

    /** What the kills of one case did, for its assertions and its row of results. */
    private static final class Kills {
        final List<Long> delays = new ArrayList<>();
        final List<String> phases = new ArrayList<>();
        final List<String> mutating = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        int killed;
        int aimed;
    }

    /** Decides when to kill a running command: returns, just before the kill, the store files it holds locks on. */
    private interface KillMoment {
        List<Path> await(Process process) throws Exception;
    }

    /** One interrupted run: prepare, spawn, kill at {@code moment}, then check the store and the recovery. */
    private static void killOnce(String name, int run, Round round, Kills kills, KillMoment moment) throws Exception {
        String[] command = round.prepare(run);
        long spawned = System.nanoTime();
        Process process = round.cocoon().spawn(command);
        List<Path> held = moment.await(process);
        long killedAfter = (System.nanoTime() - spawned) / 1_000_000;
        if (process.isAlive()) {
            kills.killed++;
        }
        CocoonCli.kill(process);
        round.cocoon().collect(process);
        if (held.stream().anyMatch(file -> isMutationLock(file, round))) {
            kills.mutating.add(killedAfter + " ms: "
                    + held.stream().map(f -> f.getFileName().toString()).toList());
        }
        String phase = round.whereKilled(run);
        if (phase != null) {
            kills.phases.add(phase);
        }
        List<String> problems = new ArrayList<>();
        StoreInvariants invariants = new StoreInvariants(round.cocoon());
        problems.addAll(invariants.check());
        try {
            round.recover(run, command);
        } catch (AssertionError e) {
            problems.add("recovery after the kill failed: " + e.getMessage());
        }
        problems.addAll(invariants.checkCollected());
        if (!problems.isEmpty()) {
            kills.failures.add(name + " killed after " + killedAfter + " ms: " + problems);
        }
    }

    /** Polls the lock table until the command holds the round's mutation lock (then it is killed) or ends. */
    private static List<Path> awaitLock(Process process, Round round) throws InterruptedException {
        while (process.isAlive()) {
            List<Path> held = LockTable.heldBy(process.pid(), round.cocoon().root());
            if (held.stream().anyMatch(file -> isMutationLock(file, round))) {
                return held;
            }
            Thread.sleep(1);
        }
        return List.of();
    }

    private static boolean isMutationLock(Path file, Round round) {
        return round.mutationLock().isEmpty() || file.getFileName().toString().equals(round.mutationLock());
    }

    private static String id(String name) throws Exception {
        return id(store.cocoon(), name);
    }

    private static String id(CocoonCli cocoon, String name) throws Exception {
        for (var vm : new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(cocoon.run("ps", "--format", "json").ok().out())) {
            if (vm.path("name").asText().equals(name)) {
                return vm.path("id").asText();
            }
        }
        throw new AssertionError("no VM named " + name + " after the kill");
    }
}
