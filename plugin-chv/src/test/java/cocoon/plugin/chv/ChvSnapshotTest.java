package cocoon.plugin.chv;

import static cocoon.plugin.chv.VmFixtures.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Disk;
import cocoon.api.HypervisorException;
import cocoon.api.MachineFacts;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmState;
import cocoon.plugin.chv.api.UnixHttpClient;
import cocoon.plugin.chv.cli.VmFiles;
import cocoon.plugin.chv.snapshot.RestoreFolder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory snapshots on Cloud Hypervisor, through the real driver against the test double: pause, {@code vm.snapshot}
 * into the snapshot's state folder, resume; and a clone restored from it with its own disks, which resumes where
 * its source was instead of booting.
 */
class ChvSnapshotTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;

    @TempDir
    Path cloneRoot;

    private final List<Runnable> stops = new ArrayList<>();

    @AfterEach
    void stopEveryVm() {
        stops.forEach(Runnable::run);
    }

    private long start(FakeChv chv, VmRecord vm) {
        long pid = chv.hypervisor.launch(vm, chv.paths());
        stops.add(() -> chv.hypervisor.powerOff(vm.running(pid, Instant.now()), chv.paths(), Duration.ZERO, true));
        return pid;
    }

    /** A source VM running, told {@code marker} on its console; the guest noted it once the line is read back. */
    private VmRecord runningSourceTold(FakeChv chv, String marker) throws Exception {
        VmRecord vm = FakeChv.withFiles(VmFixtures.ociVm(root, 512 * MIB));
        VmRecord running = vm.running(start(chv, vm), Instant.now());
        Path console = chv.hypervisor.console(running, chv.paths());
        BlockingQueue<String> lines = lines(console);
        assertEquals("fake-cloud-hypervisor: console ready", lines.poll(10, TimeUnit.SECONDS));
        try (OutputStream typing = new FileOutputStream(console.toFile())) {
            typing.write((marker + "\n").getBytes(StandardCharsets.UTF_8));
        }
        assertEquals("fake-cloud-hypervisor: noted " + marker, lines.poll(10, TimeUnit.SECONDS));
        return running;
    }

    private Path stateFolder() throws IOException {
        return Files.createDirectories(root.resolve("lib/snapshots/00000000000000aa/state"));
    }

    @Test
    void aRunningVmIsPausedSavedIntoTheStateFolderAndRunsOnAfterTheResume() throws Exception {
        FakeChv chv = new FakeChv(root, Map.of());
        VmRecord running = runningSourceTold(chv, "marker-42");
        Path state = stateFolder();

        chv.hypervisor.pause(running, chv.paths());
        assertEquals("Paused", info(chv.paths()).path("state").asText());
        MachineFacts facts = chv.hypervisor.saveState(running, chv.paths(), state);
        chv.hypervisor.resume(running, chv.paths());

        assertEquals("Running", info(chv.paths()).path("state").asText());
        assertEquals(VmState.RUNNING, chv.hypervisor.state(running, chv.paths()));
        try (var files = Files.list(state)) {
            assertEquals(
                    List.of("config.json", "memory-ranges", "state.json"),
                    files.map(file -> file.getFileName().toString()).sorted().toList());
        }
        assertEquals(512 * MIB, Files.size(state.resolve("memory-ranges")), "as large as the guest's memory");
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("memory-ranges"))));
        assertEquals(
                root.resolve("lib/vms/" + VmFixtures.ID + "/cow.raw").toString(),
                JSON.readTree(state.resolve("config.json").toFile())
                        .at("/disks/2/path")
                        .asText());
        assertEquals("chv", facts.hypervisor());
        assertEquals("54.0.0", facts.version());
        assertEquals("kvm", facts.accel());
        assertEquals(chv.hypervisor.machine(running), facts, "a clone here is checked against these facts");
        List<String> puts =
                chv.requests().stream().filter(line -> line.startsWith("PUT ")).toList();
        assertEquals(List.of("PUT /api/v1/vm.pause", "PUT /api/v1/vm.snapshot", "PUT /api/v1/vm.resume"), puts);
    }

    @Test
    void aRunningVmIsNotSavedWithoutAPauseAsCloudHypervisorRefusesIt() throws Exception {
        FakeChv chv = new FakeChv(root, Map.of());
        VmRecord vm = FakeChv.withFiles(VmFixtures.ociVm(root, 512 * MIB));
        VmRecord running = vm.running(start(chv, vm), Instant.now());
        Path state = stateFolder();

        HypervisorException refused =
                assertThrows(HypervisorException.class, () -> chv.hypervisor.saveState(running, chv.paths(), state));

        assertTrue(refused.getMessage().contains("PUT vm.snapshot answered 500"), refused.getMessage());
        assertTrue(refused.getMessage().contains("Trying to snapshot while VM is running"), refused.getMessage());
        assertTrue(refused.hint().contains("hypervisor.log"), refused.hint());
        try (var files = Files.list(state)) {
            assertEquals(0, files.count());
        }
        assertEquals("Running", info(chv.paths()).path("state").asText());
    }

    @Test
    void aCloneRestoredFromTheMemorySnapshotResumesWhereItsSourceWasOnItsOwnDisksWithoutABoot() throws Exception {
        FakeChv source = new FakeChv(root, Map.of());
        VmRecord running = runningSourceTold(source, "marker-42");
        Path state = stateFolder();
        source.hypervisor.pause(running, source.paths());
        source.hypervisor.saveState(running, source.paths(), state);
        source.hypervisor.resume(running, source.paths());
        FakeChv target = new FakeChv(cloneRoot, Map.of());
        VmRecord clone = cloneOf(running, cloneRoot);

        long pid = target.hypervisor.launchFromState(clone, target.paths(), state);
        stops.add(() ->
                target.hypervisor.powerOff(clone.running(pid, Instant.now()), target.paths(), Duration.ZERO, true));

        VmRecord cloneRunning = clone.running(pid, Instant.now());
        assertEquals(VmState.RUNNING, target.hypervisor.state(cloneRunning, target.paths()));
        JsonNode info = info(target.paths());
        assertEquals("Running", info.path("state").asText());
        assertEquals(
                clone.disks().get(2).path().toString(),
                info.at("/config/disks/2/path").asText());
        assertEquals(
                target.paths().logDir().resolve("serial.log").toString(),
                info.at("/config/serial/file").asText());
        Path console = target.hypervisor.console(cloneRunning, target.paths());
        assertEquals(
                "fake-cloud-hypervisor: console restored, remembers: [marker-42]",
                lines(console).poll(10, TimeUnit.SECONDS));
        assertEquals("", Files.readString(target.paths().logDir().resolve("serial.log")), "no boot line: no boot");
        String events = Files.readString(target.paths().runDir().resolve("events.json"));
        assertTrue(events.contains("\"restored\"") && !events.contains("\"booted\""), events);
        assertFalse(Files.exists(VmFiles.of(target.paths()).restoreFolder()), "the restore folder outlived the start");
        try (var files = Files.list(state)) {
            assertEquals(3, files.count(), "the snapshot's own folder is only read");
        }
        assertEquals(
                List.of("PUT /api/v1/vm.resume"),
                target.requests().stream()
                        .filter(line -> line.startsWith("PUT "))
                        .toList());
        assertEquals("Running", info(source.paths()).path("state").asText(), "the source runs on");
    }

    @Test
    void theRestoreConfigNamesTheClonesDisksCardsAndSerialLogAndLinksTheRestOfTheState() throws Exception {
        VmRecord source = VmFixtures.bridgedOciVm(root, 512 * MIB);
        Path state = stateFolder();
        Files.writeString(state.resolve("config.json"), savedConfig(source, "/dev/pts/7"));
        Files.writeString(state.resolve("state.json"), "{}");
        Files.writeString(state.resolve("memory-ranges"), "ram");
        VmRecord clone = cloneOf(source, cloneRoot);
        VmFiles files = VmFiles.of(VmFixtures.paths(cloneRoot));

        Path folder = RestoreFolder.prepare(state, clone, files, cloneRoot.resolve("CLOUDHV.fd"));

        JsonNode config = JSON.readTree(folder.resolve("config.json").toFile());
        assertEquals(
                clone.disks().get(2).path().toString(),
                config.at("/disks/2/path").asText());
        assertEquals(
                source.disks().get(0).path().toString(),
                config.at("/disks/0/path").asText());
        assertEquals("_disk2", config.at("/disks/2/id").asText(), "the saved device state refers to the ids");
        assertEquals(VmFixtures.TAP, config.at("/net/0/tap").asText());
        assertEquals(VmFixtures.MAC, config.at("/net/0/mac").asText());
        assertEquals(files.serialLog().toString(), config.at("/serial/file").asText());
        assertTrue(config.at("/console/file").isNull(), "a restore opens a PTY of its own: " + config);
        assertEquals("the extra key stays", config.at("/platform/note").asText());
        assertEquals(state.resolve("memory-ranges"), Files.readSymbolicLink(folder.resolve("memory-ranges")));
        assertEquals(state.resolve("state.json"), Files.readSymbolicLink(folder.resolve("state.json")));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)));

        VmRecord otherDisks =
                withDisks(clone, List.of(clone.disks().get(0), clone.disks().get(2)));
        HypervisorException refused = assertThrows(
                HypervisorException.class,
                () -> RestoreFolder.prepare(state, otherDisks, files, cloneRoot.resolve("CLOUDHV.fd")));
        assertTrue(refused.getMessage().contains("the saved state has 3 disks"), refused.getMessage());
    }

    /** What Cloud Hypervisor saved for {@code vm}: its VmConfig, with fields the driver does not touch. */
    private static String savedConfig(VmRecord vm, String pty) throws IOException {
        var config = JSON.createObjectNode();
        var disks = config.putArray("disks");
        for (int i = 0; i < vm.disks().size(); i++) {
            Disk disk = vm.disks().get(i);
            disks.addObject()
                    .put("path", disk.path().toString())
                    .put("readonly", disk.readOnly())
                    .put("serial", disk.serial())
                    .put("id", "_disk" + i);
        }
        config.putArray("net")
                .addObject()
                .put("tap", "ck000000000000")
                .put("mac", VmFixtures.MAC)
                .put("id", "_net3");
        config.putObject("serial")
                .put("file", "/var/log/cocoon/source/serial.log")
                .put("mode", "File");
        config.putObject("console").put("file", pty).put("mode", "Pty");
        config.putObject("payload").put("kernel", vm.boot().kernel().toString());
        config.putObject("platform").put("note", "the extra key stays");
        return JSON.writeValueAsString(config);
    }

    /** The clone as the runtime makes it: a new VM folder with its own copy of the writable disk, the same cards. */
    private static VmRecord cloneOf(VmRecord source, Path cloneRoot) throws IOException {
        Path vmDir = Files.createDirectories(cloneRoot.resolve("lib/vms/" + VmFixtures.ID));
        List<Disk> disks = new ArrayList<>();
        for (Disk disk : source.disks()) {
            if (disk.readOnly()) {
                disks.add(disk);
            } else {
                Path copy = vmDir.resolve(disk.path().getFileName());
                if (Files.exists(disk.path())) {
                    Files.copy(disk.path(), copy);
                } else {
                    Files.createFile(copy);
                }
                disks.add(new Disk(copy, disk.format(), false, disk.serial(), disk.backingFile()));
            }
        }
        return withDisks(source, disks);
    }

    private static VmRecord withDisks(VmRecord vm, List<Disk> disks) {
        return new VmRecord(
                vm.id(),
                "copy",
                VmState.CREATED,
                vm.spec(),
                vm.image(),
                vm.boot(),
                disks,
                vm.created(),
                null,
                0,
                null,
                vm.network());
    }

    private static JsonNode info(VmPaths paths) throws IOException {
        var response = new UnixHttpClient(paths.runDir().resolve("api.sock"), Duration.ofSeconds(5))
                .send("GET", "/api/v1/vm.info", null, new byte[0]);
        assertEquals(200, response.status(), response.bodyText());
        return JSON.readTree(response.body());
    }

    /** The lines a PTY shows, as they come; read by a daemon thread that ends with the test's JVM. */
    private static BlockingQueue<String> lines(Path pty) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(new FileInputStream(pty.toFile()), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (!line.isBlank()) {
                        lines.add(line.strip());
                    }
                }
            } catch (IOException e) {
                // The PTY closed with its VM.
            }
        });
        reader.setDaemon(true);
        reader.start();
        return lines;
    }
}
