package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.TestLayer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Cloud Hypervisor driver through bin/cocoon only, against the strict test double
 * testing/fake-cloud-hypervisor named by {@code [chv] binary} in the config file: an OCI image
 * pulled from a real registry and a qcow2 cloud image pulled over HTTP run, stop and fail the way
 * the driver's contract says. The double inherits the environment of {@code cocoon start}, which
 * is how each test flips its switches.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ChvContractTest {

    private static final Path FAKE = CocoonCli.REPO.resolve("testing/fake-cloud-hypervisor/cloud-hypervisor");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Start waits until the VM has booted: the API answers before Cloud Hypervisor boots the VM. */
    private static final String INFO = "GET /api/v1/vm.info";

    private static final String BUTTON = "PUT /api/v1/vm.power-button";
    private static final String VM_SHUTDOWN = "PUT /api/v1/vm.shutdown";
    private static final String VMM_SHUTDOWN = "PUT /api/v1/vmm.shutdown";

    private static RegistryFixture registry;
    private static RegistryFixture.Layer base;
    private static RegistryFixture.Layer app;
    private static String image;
    /** One store for the whole class (the image is pulled once); each test has VMs of its own names. */
    private static Path store;

    @TempDir
    Path dir;

    @BeforeAll
    static void pushAndPullKernelImage(@TempDir Path registryDir, @TempDir Path storeDir) throws Exception {
        registry = RegistryFixture.start(registryDir);
        // The double only checks that the payload files exist, so a few bytes stand in for a kernel and an initrd.
        base = new TestLayer()
                .dir("boot", 0755)
                .dir("etc", 0755)
                .file("boot/vmlinuz-1", "not really a kernel\n", 0644, 0, 0)
                .file("boot/initrd.img-1", "not really an initrd\n", 0644, 0, 0)
                .dir("sbin", 0755)
                .file("sbin/init", "#!/bin/sh\n", 0755, 0, 0)
                .file("etc/os-release", "ID=cocoon-chv-test\n", 0644, 0, 0)
                .gzip();
        app = new TestLayer().file("app.txt", "top layer\n", 0644, 0, 0).gzip();
        registry.pushImage("test/chv", "1", RegistryFixture.OCI_MANIFEST, List.of(base, app));
        image = registry.host() + "/test/chv:1";
        store = storeDir;
        Path firmware = Files.write(store.resolve("CLOUDHV.fd"), new byte[4096]);
        Files.writeString(store.resolve("config.toml"), """
                [chv]
                binary = "%s"
                firmware = "%s"
                start_timeout = "60s"
                stop_grace = "3s"

                [network]
                subnet = "192.0.2.0/24"
                dns = "192.0.2.53"
                """.formatted(FAKE, firmware));
        cocoon().run("pull", "--quiet", image).ok();
    }

    /** A failed test may leave its double running: end every process whose command line names this class's store. */
    @AfterEach
    void killLeftovers() {
        ProcessHandle.allProcesses()
                .filter(process -> process.info()
                        .arguments()
                        .map(args -> String.join(" ", args).contains(store + "/"))
                        .orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        registry.close();
    }

    @Test
    void aKernelVmRunsThroughItsWholeLifeAndStopsThroughThePowerButton() throws Exception {
        CocoonCli cocoon = cocoon();
        Path requests = dir.resolve("requests.log");

        List<String> planned = argv(cocoon.run(
                        "run",
                        "--network",
                        "none",
                        "--hypervisor",
                        "chv",
                        "--cpu",
                        "1",
                        "--memory",
                        "512M",
                        "--storage",
                        "128M",
                        image)
                .ok()
                .out());
        String plannedId = planned.get(2).replaceAll(".*/run/([0-9a-f]{16})/api.sock", "$1");
        Path blobs = store.resolve("root/images/oci/blobs/sha256");
        Path boot = store.resolve("root/images/oci/boot").resolve(base.hex());
        assertEquals(
                List.of(
                        FAKE.toString(),
                        "--api-socket",
                        "path=" + store.resolve("run").resolve(plannedId).resolve("api.sock"),
                        "--event-monitor",
                        "path=" + store.resolve("run").resolve(plannedId).resolve("events.json"),
                        "--cpus",
                        "boot=1",
                        "--memory",
                        "size=512M",
                        "--kernel",
                        boot.resolve("vmlinuz").toString(),
                        "--initramfs",
                        boot.resolve("initrd").toString(),
                        "--cmdline",
                        "cocoon.layers=" + app.hex().substring(0, 20) + ","
                                + base.hex().substring(0, 20) + " cocoon.cow=cocoon-cow boot=cocoon console=hvc0",
                        "--disk",
                        "path=" + blobs.resolve(base.hex() + ".erofs") + ",readonly=on,image_type=raw,serial="
                                + base.hex().substring(0, 20),
                        "path=" + blobs.resolve(app.hex() + ".erofs") + ",readonly=on,image_type=raw,serial="
                                + app.hex().substring(0, 20),
                        "path=" + store.resolve("root/vms").resolve(plannedId).resolve("cow.raw")
                                + ",image_type=raw,serial=cocoon-cow",
                        "--rng",
                        "src=/dev/urandom",
                        "--balloon",
                        "size=0,deflate_on_oom=on",
                        "--watchdog",
                        "--serial",
                        "file=" + store.resolve("log").resolve(plannedId).resolve("serial.log"),
                        "--console",
                        "pty"),
                planned);
        assertFalse(Files.exists(store.resolve("root/vms").resolve(plannedId)), "run creates nothing");

        String id = cocoon.run(
                        "create",
                        "--network",
                        "none",
                        "--name",
                        "web",
                        "--hypervisor",
                        "chv",
                        "--cpu",
                        "1",
                        "--memory",
                        "512M",
                        "--storage",
                        "128M",
                        image)
                .ok()
                .out()
                .strip()
                .replace("web ", "");
        assertEquals("created", state(cocoon, "web"));

        String started = cocoon.env("FAKE_CHV_RECORD", requests.toString())
                .run("start", "web")
                .ok()
                .out();
        long pid = startedPid(started, "web");
        assertTrue(alive(pid), started);
        List<String> expected = planned.subList(1, planned.size()).stream()
                .map(arg -> arg.replace(plannedId, id))
                .toList();
        assertEquals(expected, hypervisorArguments(pid), "start runs the command run printed");
        String table = cocoon.run("ps").ok().out();
        assertTrue(
                table.lines()
                        .anyMatch(
                                line -> line.contains(" web ") && line.contains(" running ") && line.contains(" chv ")),
                table);

        JsonNode inspected = JSON.readTree(cocoon.run("inspect", "web").ok().out());
        assertEquals("running", inspected.at("/vm/state").asText().toLowerCase(Locale.ROOT), inspected.toString());
        assertEquals(pid, inspected.at("/vm/pid").asLong(), inspected.toString());
        assertEquals("chv", inspected.at("/vm/spec/hypervisor").asText(), inspected.toString());
        assertEquals(
                boot.resolve("vmlinuz").toString(),
                inspected.at("/vm/boot/kernel").asText(),
                inspected.toString());
        assertEquals(
                store.resolve("run").resolve(id).toString(),
                inspected.at("/paths/runDir").asText(),
                inspected.toString());
        assertTrue(Files.exists(store.resolve("run").resolve(id).resolve("api.sock")));

        CocoonCli.Run console =
                cocoon.run(Duration.ofSeconds(60), "hello\n", "console", "web").ok();
        assertTrue(console.out().contains("fake-cloud-hypervisor: console ready"), console.out() + console.err());
        assertTrue(Files.readString(store.resolve("log").resolve(id).resolve("serial.log"))
                .contains("booting " + boot.resolve("vmlinuz")));

        assertTrue(cocoon.run("stop", "web").ok().out().contains("web stopped"));
        assertFalse(alive(pid), "the hypervisor exited");
        List<String> log = Files.readAllLines(requests);
        assertEquals(INFO, log.getFirst(), log.toString());
        assertEquals(List.of(BUTTON), puts(log), "the guest powered off on the button alone: " + log);
        assertEquals("stopped", state(cocoon, "web"));
        assertFalse(Files.exists(store.resolve("run").resolve(id).resolve("api.sock")), "socket left behind");
    }

    @Test
    void aGuestThatIgnoresThePowerButtonIsShutDownAfterTheTimeoutAndForceSkipsTheButton() throws Exception {
        CocoonCli cocoon = cocoon();
        cocoon.run(
                        "create",
                        "--network",
                        "none",
                        "--name",
                        "deaf",
                        "--hypervisor",
                        "chv",
                        "--memory",
                        "256M",
                        "--storage",
                        "128M",
                        image)
                .ok();
        Path deafRequests = dir.resolve("deaf.log");
        long pid = startedPid(
                cocoon.env("FAKE_CHV_POWER_BUTTON", "ignore")
                        .env("FAKE_CHV_RECORD", deafRequests.toString())
                        .run("start", "deaf")
                        .ok()
                        .out(),
                "deaf");

        long begin = System.nanoTime();
        cocoon.run("stop", "--timeout", "2s", "deaf").ok();
        long tookMillis = (System.nanoTime() - begin) / 1_000_000;
        assertFalse(alive(pid));
        assertTrue(tookMillis >= 2_000 && tookMillis < 20_000, "stop took " + tookMillis + " ms");
        assertEquals(List.of(BUTTON, VM_SHUTDOWN, VMM_SHUTDOWN), puts(Files.readAllLines(deafRequests)));
        assertEquals("stopped", state(cocoon, "deaf"));

        Path forcedRequests = dir.resolve("forced.log");
        long second = startedPid(
                cocoon().env("FAKE_CHV_RECORD", forcedRequests.toString())
                        .run("start", "deaf")
                        .ok()
                        .out(),
                "deaf");
        cocoon.run("stop", "--force", "deaf").ok();
        assertFalse(alive(second));
        List<String> forced = Files.readAllLines(forcedRequests);
        assertFalse(forced.contains(BUTTON), forced.toString());
        assertEquals(List.of(VM_SHUTDOWN, VMM_SHUTDOWN), puts(forced));
    }

    @Test
    void aVmmThatDiesAtStartFailsStartWithTheEndOfItsLogAndLeavesTheVmInError() throws Exception {
        CocoonCli cocoon = cocoon();
        cocoon.run(
                        "create",
                        "--network",
                        "none",
                        "--name",
                        "doomed",
                        "--hypervisor",
                        "chv",
                        "--memory",
                        "256M",
                        "--storage",
                        "128M",
                        image)
                .ok();

        CocoonCli.Run start = cocoon.env(
                        "FAKE_CHV_DIE_AT_START", "Cannot open /dev/kvm: No such file or directory (os error 2)")
                .run("start", "doomed");

        assertEquals(1, start.exit(), start.err());
        assertEquals(1, start.err().strip().lines().count(), "one line: " + start.err());
        assertTrue(start.err().startsWith("cocoon: cloud-hypervisor exited while starting VM doomed: "), start.err());
        assertTrue(start.err().contains("Cannot open /dev/kvm: No such file or directory (os error 2)"), start.err());
        assertTrue(start.err().contains("hypervisor.log"), start.err());
        String table = cocoon.run("ps").ok().out();
        assertTrue(table.lines().anyMatch(line -> line.contains(" doomed ") && line.contains(" error ")), table);
    }

    @Test
    void aStaleSocketOrAReusedPidNeverReadsAsRunningAndNeverBlocksOrKillsAnything() throws Exception {
        CocoonCli cocoon = cocoon();
        String id = cocoon.run(
                        "create",
                        "--network",
                        "none",
                        "--name",
                        "crashy",
                        "--hypervisor",
                        "chv",
                        "--memory",
                        "256M",
                        "--storage",
                        "128M",
                        image)
                .ok()
                .out()
                .strip()
                .replace("crashy ", "");
        Path runDir = store.resolve("run").resolve(id);
        long pid = startedPid(cocoon.run("start", "crashy").ok().out(), "crashy");

        killHard(pid);
        assertTrue(Files.exists(runDir.resolve("api.sock")), "SIGKILL leaves the socket behind");
        assertFalse(psLine(cocoon, "crashy").contains(" running "));
        CocoonCli.Run refused = cocoon.run("console", "crashy");
        assertEquals(1, refused.exit(), refused.out());
        assertTrue(refused.err().contains("not running"), refused.err());

        long again = startedPid(cocoon.run("start", "crashy").ok().out(), "crashy");
        assertTrue(alive(again), "start works over the stale socket");

        // The kernel gives the dead hypervisor's pid to another program; the record and pid file still name it.
        killHard(again);
        Process sleeper = new ProcessBuilder("sleep", "120").start();
        try {
            Path record = store.resolve("root/vms").resolve(id).resolve("vm.json");
            ObjectNode vm = (ObjectNode) JSON.readTree(record.toFile());
            assertEquals(
                    "running", vm.get("state").asText().toLowerCase(Locale.ROOT), "the record still claims running");
            vm.put("pid", sleeper.pid());
            Files.writeString(record, JSON.writeValueAsString(vm));
            Files.writeString(runDir.resolve("pid"), sleeper.pid() + "\n");

            assertFalse(psLine(cocoon, "crashy").contains(" running "));
            cocoon.run("stop", "--force", "crashy").ok();
            assertTrue(sleeper.isAlive(), "stop signalled a program that is not the VM's hypervisor");
            assertEquals("stopped", state(cocoon, "crashy"));
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void aCloudImageBootsFromFirmwareWithItsQcow2OverlayAndTheSerialPortAsConsole() throws Exception {
        HttpServer server = serveCloudImage(dir);
        try {
            CocoonCli cocoon = cocoon();
            String url = cloudImageUrl(server);
            cocoon.run("pull", "--quiet", url).ok();

            List<String> planned = argv(cocoon.run(
                            "run",
                            "--network",
                            "none",
                            "--hypervisor",
                            "chv",
                            "--memory",
                            "512M",
                            "--storage",
                            "128M",
                            url)
                    .ok()
                    .out());
            assertEquals(
                    store.resolve("CLOUDHV.fd").toString(),
                    planned.get(planned.indexOf("--firmware") + 1),
                    planned.toString());
            assertFalse(planned.contains("--kernel") || planned.contains("--cmdline"), planned.toString());
            assertTrue(
                    planned.stream()
                            .anyMatch(arg -> arg.matches(
                                    "path=.*/overlay\\.qcow2,image_type=qcow2,backing_files=on,serial=cocoon-root")),
                    "the overlay reads its base as a backing file: " + planned);
            assertEquals("pty", planned.get(planned.indexOf("--serial") + 1), planned.toString());
            assertEquals("off", planned.get(planned.indexOf("--console") + 1), planned.toString());

            cocoon.run(
                            "create",
                            "--network",
                            "none",
                            "--name",
                            "cloud",
                            "--hypervisor",
                            "chv",
                            "--memory",
                            "512M",
                            "--storage",
                            "128M",
                            url)
                    .ok();
            Path requests = dir.resolve("cloud.log");
            long pid = startedPid(
                    cocoon.env("FAKE_CHV_RECORD", requests.toString())
                            .run("start", "cloud")
                            .ok()
                            .out(),
                    "cloud");
            CocoonCli.Run console =
                    cocoon.run(Duration.ofSeconds(60), "", "console", "cloud").ok();
            assertTrue(console.out().contains("fake-cloud-hypervisor: serial ready"), console.out() + console.err());

            cocoon.run("stop", "--force", "cloud").ok();
            assertFalse(alive(pid));
            assertFalse(Files.readAllLines(requests).contains(BUTTON));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aGuestPoweredOffFromItsConsoleShowsAsStoppedAndStartsAgain() throws Exception {
        CocoonCli cocoon = cocoon();
        cocoon.run(
                        "create",
                        "--network",
                        "none",
                        "--name",
                        "halts",
                        "--hypervisor",
                        "chv",
                        "--memory",
                        "256M",
                        "--storage",
                        "128M",
                        image)
                .ok();
        long pid = startedPid(cocoon.run("start", "halts").ok().out(), "halts");

        // As a user at the guest's console: the double's guest takes a typed `poweroff` as shutting itself down.
        cocoon.run(Duration.ofSeconds(60), "poweroff\n", "console", "halts");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (alive(pid) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }

        assertFalse(alive(pid), "the hypervisor exited with its guest");
        assertEquals("stopped", state(cocoon, "halts"));
        long again = startedPid(cocoon.run("start", "halts").ok().out(), "halts");
        cocoon.run("stop", "--force", "halts").ok();
        assertFalse(alive(again));
    }

    @Test
    void userModeNetworkingOnChvIsRefusedInOneLineNamingBridgeAndQemu() throws Exception {
        CocoonCli.Run refused = cocoon().run(
                        "create",
                        "--network",
                        "user",
                        "--name",
                        "slirp",
                        "--hypervisor",
                        "chv",
                        "--memory",
                        "256M",
                        "--storage",
                        "128M",
                        image);

        assertEquals(1, refused.exit(), refused.err());
        assertEquals(
                "cocoon: --network user: hypervisor chv has no user-mode networking: use --network bridge (as root or"
                        + " with CAP_NET_ADMIN), or create the VM with --hypervisor qemu",
                refused.err().strip());
        assertFalse(
                JSON.readTree(cocoon().run("ps", "--format", "json").ok().out())
                        .toString()
                        .contains("slirp"),
                "the refused create left a record");
    }

    /**
     * {@code --network auto} picks bridge for a Cloud Hypervisor VM where Cocoon may make devices; the card is a
     * {@code --net tap=,mac=} value and the network words reach {@code --cmdline}; start makes the TAP before the
     * double opens it by name, stop removes it. Cocoon and the double run inside a network namespace the test makes
     * (DESIGN §6), on a documentation subnet: the bridge, the TAP and the nftables table exist only there.
     */
    @Test
    void aBridgeVmOnChvRunsOnTheTapStartMadeAndStopRemoves() throws Exception {
        try (NetworkNamespace namespace = NetworkNamespace.create(
                "cocoon-e2e-chv-" + ProcessHandle.current().pid())) {
            CocoonCli inside = cocoon().inNetworkNamespace(namespace.name());
            List<String> planned =
                    argv(inside.run("run", "--hypervisor", "chv", "--memory", "256M", "--storage", "128M", image)
                            .ok()
                            .out());
            String plannedId = planned.get(2).replaceAll(".*/run/([0-9a-f]{16})/api.sock", "$1");
            assertEquals(
                    List.of("--net", "tap=" + tapOf(plannedId) + ",mac=" + macOf(plannedId), "--rng"),
                    planned.subList(planned.indexOf("--net"), planned.indexOf("--net") + 3),
                    "auto chose bridge: " + planned);
            assertTrue(
                    planned.get(planned.indexOf("--cmdline") + 1)
                            .endsWith(" cocoon.net=" + macOf(plannedId) + ",192.0.2.2/24,192.0.2.1,192.0.2.53"
                                    + " console=hvc0"),
                    planned.toString());

            String id = inside.run(
                            "create",
                            "--network",
                            "bridge",
                            "--name",
                            "netted",
                            "--hypervisor",
                            "chv",
                            "--memory",
                            "256M",
                            "--storage",
                            "128M",
                            image)
                    .ok()
                    .out()
                    .strip()
                    .replace("netted ", "");
            try {
                long pid = startedPid(inside.run("start", "netted").ok().out(), "netted");
                List<String> started = hypervisorArguments(pid);
                assertEquals(
                        "tap=" + tapOf(id) + ",mac=" + macOf(id),
                        started.get(started.indexOf("--net") + 1),
                        started.toString());
                assertTrue(
                        started.get(started.indexOf("--cmdline") + 1)
                                .contains(" cocoon.hostname=netted cocoon.net=" + macOf(id)
                                        + ",192.0.2.2/24,192.0.2.1,192.0.2.53 "),
                        started.toString());
                assertTrue(
                        namespace
                                .output("ip", "-o", "link", "show", "master", "cocoon0")
                                .contains(tapOf(id)),
                        namespace.output("ip", "-o", "link"));
                assertEquals(
                        tapOf(id),
                        JSON.readTree(inside.run("inspect", "netted").ok().out())
                                .at("/network/tap")
                                .asText());

                inside.run("stop", "netted").ok();
                assertFalse(alive(pid), "the hypervisor exited");
                assertFalse(namespace.output("ip", "-o", "link").contains(tapOf(id)), "the TAP outlived stop");
            } finally {
                inside.run(Duration.ofMinutes(2), null, "rm", "--force", "netted");
            }
        }
    }

    /**
     * snapshot save of a running VM pauses it, has Cloud Hypervisor write its state into the snapshot's state folder
     * and resumes it; a clone of that snapshot is restored from it on its own disk copy and resumes where the source
     * was (the double's guest remembers what its source was told on the console) with no boot line in its serial log.
     */
    @Test
    void aMemorySnapshotOfARunningVmClonesIntoAVmThatResumesWhereItsSourceWasWithoutBooting() throws Exception {
        CocoonCli cocoon = cocoon();
        cocoon.run(
                        "create",
                        "--network",
                        "none",
                        "--name",
                        "warm",
                        "--hypervisor",
                        "chv",
                        "--memory",
                        "256M",
                        "--storage",
                        "128M",
                        image)
                .ok();
        try {
            Path requests = dir.resolve("warm.log");
            long pid = startedPid(
                    cocoon.env("FAKE_CHV_RECORD", requests.toString())
                            .run("start", "warm")
                            .ok()
                            .out(),
                    "warm");
            CocoonCli.Run told = cocoon.run(Duration.ofSeconds(60), "marker-42\n", "console", "warm")
                    .ok();
            assertTrue(told.out().contains("noted marker-42"), told.out() + told.err());

            cocoon.run("snapshot", "save", "warm", "--name", "warm-snap").ok();

            assertTrue(alive(pid), "the source runs on");
            assertEquals("running", state(cocoon, "warm"));
            assertEquals(
                    List.of("PUT /api/v1/vm.pause", "PUT /api/v1/vm.snapshot", "PUT /api/v1/vm.resume"),
                    puts(Files.readAllLines(requests)));
            JsonNode snapshot = JSON.readTree(
                    cocoon.run("snapshot", "inspect", "warm-snap").ok().out());
            Path state = Path.of(snapshot.at("/snapshot/memoryState").asText());
            assertTrue(Files.isRegularFile(state.resolve("config.json")), snapshot.toString());
            assertTrue(Files.isRegularFile(state.resolve("memory-ranges")), snapshot.toString());

            cocoon.run("clone", "warm-snap", "--name", "warm-copy").ok();
            JsonNode clone = vm(cocoon, "warm-copy");
            List<String> restored = hypervisorArguments(clone.get("pid").asLong());
            assertTrue(restored.contains("--restore") && !restored.contains("--kernel"), restored.toString());
            String cloneId = clone.get("id").asText();
            CocoonCli.Run console = cocoon.run(Duration.ofSeconds(60), "\n", "console", "warm-copy")
                    .ok();
            assertTrue(
                    console.out().contains("fake-cloud-hypervisor: console restored, remembers: [marker-42]"),
                    console.out() + console.err());
            assertFalse(console.out().contains("console ready"), "the clone did not boot: " + console.out());
            assertEquals(
                    "", Files.readString(store.resolve("log").resolve(cloneId).resolve("serial.log")));
            assertEquals("running", state(cocoon, "warm-copy"));
            assertEquals("running", state(cocoon, "warm"));
        } finally {
            cocoon.run(Duration.ofMinutes(2), null, "rm", "--force", "warm-copy");
            cocoon.run(Duration.ofMinutes(2), null, "rm", "--force", "warm");
            cocoon.run("snapshot", "rm", "warm-snap");
        }
    }

    /**
     * restore of a stopped chv VM to a memory snapshot of itself starts Cloud Hypervisor with --restore on its own
     * disks and resumes it where it was saved: its guest remembers what it was told before the save and not what it
     * was told after; a restore to a disk-only snapshot leaves it stopped, and its next start boots.
     */
    @Test
    void aChvVmRestoredToItsMemorySnapshotResumesWhereItWasSavedAndToADiskSnapshotBoots() throws Exception {
        CocoonCli cocoon = cocoon();
        cocoon.run(
                        "create",
                        "--network",
                        "none",
                        "--name",
                        "back",
                        "--hypervisor",
                        "chv",
                        "--memory",
                        "256M",
                        "--storage",
                        "128M",
                        image)
                .ok();
        try {
            cocoon.run("start", "back").ok();
            assertTrue(cocoon.run(Duration.ofSeconds(60), "marker-7\n", "console", "back")
                    .ok()
                    .out()
                    .contains("noted marker-7"));
            cocoon.run("snapshot", "save", "back", "--name", "back-warm").ok();
            assertTrue(cocoon.run(Duration.ofSeconds(60), "marker-later\n", "console", "back")
                    .ok()
                    .out()
                    .contains("noted marker-later"));
            cocoon.run("stop", "--force", "back").ok();
            String vmId = vm(cocoon, "back").get("id").asText();

            cocoon.run("restore", "back", "back-warm").ok();

            assertEquals("running", state(cocoon, "back"));
            List<String> restored =
                    hypervisorArguments(vm(cocoon, "back").get("pid").asLong());
            assertTrue(restored.contains("--restore") && !restored.contains("--kernel"), restored.toString());
            CocoonCli.Run console =
                    cocoon.run(Duration.ofSeconds(60), "\n", "console", "back").ok();
            assertTrue(
                    console.out().contains("fake-cloud-hypervisor: console restored, remembers: [marker-7]"),
                    console.out() + console.err());
            assertFalse(Files.exists(store.resolve("run").resolve(vmId).resolve("restore")), "the folder went");

            cocoon.run("stop", "--force", "back").ok();
            cocoon.run("snapshot", "save", "back", "--name", "back-cold").ok();
            cocoon.run("restore", "back", "back-cold").ok();
            assertEquals("stopped", state(cocoon, "back"));
            cocoon.run("start", "back").ok();
            List<String> booted =
                    hypervisorArguments(vm(cocoon, "back").get("pid").asLong());
            assertTrue(booted.contains("--kernel") && !booted.contains("--restore"), booted.toString());
        } finally {
            cocoon.run(Duration.ofMinutes(2), null, "rm", "--force", "back");
            cocoon.run("snapshot", "rm", "back-warm", "back-cold");
        }
    }

    /**
     * A cloud image under Cloud Hypervisor (UEFI firmware, qcow2 overlay on its base, the seed, the serial port as
     * console): a memory snapshot's clone is restored on its own overlay and seed without the firmware being loaded
     * again and resumes where its source was, and a restore of the source does the same.
     */
    @Test
    void aCloudImageVmsMemorySnapshotClonesAndRestoresFromItsStateWithoutBootingTheFirmware() throws Exception {
        HttpServer server = serveCloudImage(dir);
        CocoonCli cocoon = cocoon();
        String url = cloudImageUrl(server);
        try {
            cocoon.run("pull", "--quiet", url).ok();
            cocoon.run(
                            "create",
                            "--network",
                            "none",
                            "--name",
                            "cloud-warm",
                            "--hypervisor",
                            "chv",
                            "--memory",
                            "512M",
                            "--storage",
                            "128M",
                            url)
                    .ok();
            cocoon.run("start", "cloud-warm").ok();
            assertTrue(cocoon.run(Duration.ofSeconds(60), "marker-uefi\n", "console", "cloud-warm")
                    .ok()
                    .out()
                    .contains("noted marker-uefi"));

            cocoon.run("snapshot", "save", "cloud-warm", "--name", "cloud-snap").ok();
            cocoon.run("clone", "cloud-snap", "--name", "cloud-copy").ok();

            JsonNode clone = vm(cocoon, "cloud-copy");
            List<String> restored = hypervisorArguments(clone.get("pid").asLong());
            assertTrue(restored.contains("--restore") && !restored.contains("--firmware"), restored.toString());
            List<String> disks = new ArrayList<>();
            clone.get("disks").forEach(disk -> disks.add(disk.get("path").asText()));
            String cloneDir =
                    store.resolve("root/vms").resolve(clone.get("id").asText()).toString();
            assertTrue(
                    disks.stream().anyMatch(disk -> disk.startsWith(cloneDir) && disk.endsWith("overlay.qcow2")),
                    "the clone runs on its own overlay: " + disks);
            CocoonCli.Run console = cocoon.run(Duration.ofSeconds(60), "\n", "console", "cloud-copy")
                    .ok();
            assertTrue(
                    console.out().contains("fake-cloud-hypervisor: serial restored, remembers: [marker-uefi]"),
                    console.out() + console.err());
            assertFalse(console.out().contains("serial ready"), "the clone did not boot: " + console.out());

            cocoon.run("stop", "--force", "cloud-warm").ok();
            cocoon.run("restore", "cloud-warm", "cloud-snap").ok();
            List<String> back =
                    hypervisorArguments(vm(cocoon, "cloud-warm").get("pid").asLong());
            assertTrue(back.contains("--restore") && !back.contains("--firmware"), back.toString());
            assertTrue(cocoon.run(Duration.ofSeconds(60), "\n", "console", "cloud-warm")
                    .ok()
                    .out()
                    .contains("serial restored, remembers: [marker-uefi]"));
        } finally {
            cocoon.run(Duration.ofMinutes(2), null, "rm", "--force", "cloud-copy");
            cocoon.run(Duration.ofMinutes(2), null, "rm", "--force", "cloud-warm");
            cocoon.run("snapshot", "rm", "cloud-snap");
            server.stop(0);
        }
    }

    private static String tapOf(String vmId) {
        return "ck" + vmId.substring(0, 12);
    }

    private static String macOf(String vmId) {
        return "52:54:00:" + vmId.substring(0, 2) + ":" + vmId.substring(2, 4) + ":" + vmId.substring(4, 6);
    }

    @Test
    void doctorSaysWhetherChvCanRunHereAndWhatToDoIfNot() throws Exception {
        String configured = chvLine(cocoon());
        boolean pvm = Files.isDirectory(Path.of("/sys/module/kvm_pvm"))
                && !Files.isDirectory(Path.of("/sys/module/kvm_intel"))
                && !Files.isDirectory(Path.of("/sys/module/kvm_amd"));
        if (Files.exists(Path.of("/dev/kvm")) && pvm) {
            assertTrue(configured.contains("MISSING") && configured.contains("KVM here is PVM"), configured);
        } else if (Files.exists(Path.of("/dev/kvm"))) {
            assertTrue(configured.contains(FAKE + " v54.0.0"), configured);
        } else {
            assertTrue(
                    configured.contains("MISSING")
                            && configured.contains("/dev/kvm does not exist: enable virtualization"),
                    configured);
        }
        assertFalse(configured.contains("UEFI firmware"), "the configured firmware exists: " + configured);

        Files.createDirectories(dir.resolve("bare"));
        Files.writeString(
                dir.resolve("bare/config.toml"),
                "[chv]\nbinary = \"" + dir.resolve("nowhere/cloud-hypervisor") + "\"\n");
        String absent = chvLine(new CocoonCli(dir.resolve("bare")));
        assertTrue(absent.contains("MISSING"), absent);
        assertTrue(
                absent.contains(dir.resolve("nowhere/cloud-hypervisor")
                        + " not found: install a static cloud-hypervisor release"),
                absent);
        assertTrue(absent.contains("or set [chv] binary to its path"), absent);
    }

    private static String chvLine(CocoonCli cocoon) {
        String doctor = cocoon.run("doctor").out();
        return doctor.lines()
                .filter(line -> line.contains("hypervisor chv"))
                .findFirst()
                .orElseThrow(() -> new AssertionError(doctor));
    }

    /**
     * A 64M qcow2 disk with a GPT and an EFI system partition (create refuses a cloud image without one; no loop
     * device needed), served over HTTP on loopback at {@link #cloudImageUrl}.
     */
    private static HttpServer serveCloudImage(Path dir) throws IOException, InterruptedException {
        Path raw = dir.resolve("cloud.raw");
        Path qcow2 = dir.resolve("cloud.qcow2");
        for (List<String> argv : List.of(
                List.of("qemu-img", "create", "-q", "-f", "raw", raw.toString(), "64M"),
                List.of("sgdisk", "-o", "-n", "1:2048:+16M", "-t", "1:ef00", raw.toString()),
                List.of("qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString()))) {
            Process tool = new ProcessBuilder(argv).inheritIO().start();
            assertTrue(tool.waitFor(30, TimeUnit.SECONDS) && tool.exitValue() == 0, argv + " failed");
        }
        byte[] bytes = Files.readAllBytes(qcow2);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/cloud.qcow2", exchange -> {
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(bytes);
            }
        });
        server.start();
        return server;
    }

    private static String cloudImageUrl(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/cloud.qcow2";
    }

    /** A cocoon whose config names the double as the chv binary and a dummy UEFI firmware file. */
    private static CocoonCli cocoon() {
        // The double is a Java program started through `java` from JAVA_HOME, which it inherits from cocoon.
        return new CocoonCli(store).env("JAVA_HOME", System.getProperty("java.home"));
    }

    private static JsonNode vm(CocoonCli cocoon, String name) throws IOException {
        for (JsonNode vm :
                JSON.readTree(cocoon.run("ps", "--format", "json").ok().out())) {
            if (vm.get("name").asText().equals(name)) {
                return vm;
            }
        }
        throw new AssertionError("ps does not list " + name);
    }

    /** The live state as ps reports it, in the lower case its table shows. */
    private static String state(CocoonCli cocoon, String name) throws IOException {
        return vm(cocoon, name).get("state").asText().toLowerCase(Locale.ROOT);
    }

    private static String psLine(CocoonCli cocoon, String name) {
        String table = cocoon.run("ps").ok().out();
        return table.lines()
                .filter(line -> line.contains(" " + name + " "))
                .findFirst()
                .orElseThrow(() -> new AssertionError(table));
    }

    private static long startedPid(String started, String name) {
        Matcher matcher = Pattern.compile(Pattern.quote(name) + " started \\(chv, pid (\\d+)\\)")
                .matcher(started);
        assertTrue(matcher.find(), started);
        return Long.parseLong(matcher.group(1));
    }

    /** The lines run printed, as the shell would split them: continuation lines joined, single quotes removed. */
    private static List<String> argv(String printed) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        boolean quoted = false;
        for (char c : printed.replace("\\\n", " ").strip().toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
                word = word == null ? new StringBuilder() : word;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                word = (word == null ? new StringBuilder() : word).append(c);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    /** What the live double was started with: its command line after the Java launcher's own arguments. */
    private static List<String> hypervisorArguments(long pid) throws IOException {
        List<String> cmdline = List.of(Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"))
                .split("\0"));
        return cmdline.subList(cmdline.indexOf("FakeCloudHypervisor") + 1, cmdline.size());
    }

    private static List<String> puts(List<String> requests) {
        return requests.stream().filter(line -> line.startsWith("PUT ")).toList();
    }

    /** A zombie counts as gone: it holds no files, and here nobody may reap an orphan for a while. */
    private static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    private static void killHard(long pid) throws InterruptedException {
        ProcessHandle handle = ProcessHandle.of(pid).orElseThrow();
        handle.destroyForcibly();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (alive(pid) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(alive(pid), "pid " + pid + " survived SIGKILL");
    }
}
