package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.oci.testing.RegistryFixture;
import cocoon.plugin.oci.testing.TestLayer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The state contract every hypervisor driver answers (docs/architecture.md), checked once for both through
 * bin/cocoon: QEMU with the real demo guest, Cloud Hypervisor through its test double. Never started is
 * {@code created}; a guest that powers itself off is {@code stopped}; a killed hypervisor is {@code error};
 * a console session's lock survives the VM being stopped and started under it.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class StateContractTest {

    private static final Path FAKE_CHV = CocoonCli.REPO.resolve("testing/fake-cloud-hypervisor/cloud-hypervisor");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofMinutes(2);

    private static GuestFixture qemu;
    private static RegistryFixture chvRegistry;
    private static CocoonCli chv;
    private static String chvImage;

    @BeforeAll
    static void images(@TempDir Path dir) throws Exception {
        qemu = GuestFixture.start(dir.resolve("qemu"));
        qemu.cocoon().run("pull", "--quiet", qemu.image()).ok();
        chvRegistry = RegistryFixture.start(Files.createDirectories(dir.resolve("chv-registry")));
        // The double only checks that the payload files exist.
        RegistryFixture.Layer layer = new TestLayer()
                .dir("boot", 0755)
                .file("boot/vmlinuz-1", "not really a kernel\n", 0644, 0, 0)
                .file("boot/initrd.img-1", "not really an initrd\n", 0644, 0, 0)
                .dir("sbin", 0755)
                .file("sbin/init", "#!/bin/sh\n", 0755, 0, 0)
                .gzip();
        chvRegistry.pushImage("test/contract", "1", RegistryFixture.OCI_MANIFEST, List.of(layer));
        chvImage = chvRegistry.host() + "/test/contract:1";
        chv = new CocoonCli(dir.resolve("chv"));
        chv.config("""
                [chv]
                binary = "%s"
                start_timeout = "60s"
                stop_grace = "3s"
                """.formatted(FAKE_CHV));
        chv.run("pull", "--quiet", chvImage).ok();
    }

    @AfterAll
    static void removeEverything() throws Exception {
        if (qemu != null) {
            qemu.close();
        }
        if (chv != null) {
            chv.run("rm", "--force", "contract-chv");
        }
        if (chvRegistry != null) {
            chvRegistry.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qemu", "chv"})
    void everyDriverReportsTheSameStates(String driver) throws Exception {
        boolean real = driver.equals("qemu");
        CocoonCli cocoon = real ? qemu.cocoon() : chv;
        String vm = "contract-" + driver;
        if (real) {
            qemu.create(vm).ok();
        } else {
            cocoon.run(
                            "create",
                            "--network",
                            "none",
                            "--name",
                            vm,
                            "--hypervisor",
                            "chv",
                            "--memory",
                            "512M",
                            "--storage",
                            "128M",
                            chvImage)
                    .ok();
        }
        assertEquals("created", state(cocoon, vm), "never started");

        Path lockFile = Files.createDirectories(runDir(cocoon, vm)).resolve("console.lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock console = channel.lock()) {
            cocoon.run("start", vm).ok();
            assertEquals("running", state(cocoon, vm));
            awaitBoot(driver, vm, 1);
            cocoon.run("stop", vm).ok();
            assertEquals("stopped", state(cocoon, vm));
            assertTrue(console.isValid() && Files.exists(lockFile), "the console lock went with a stop");

            cocoon.run("start", vm).ok();
            assertTrue(console.isValid() && Files.exists(lockFile), "the console lock went with a start");
            CocoonCli.Run second = cocoon.run(Duration.ofSeconds(30), "", "console", vm);
            assertNotEquals(0, second.exit(), "a second console session was let in: " + second.out());
        }

        awaitBoot(driver, vm, 2);
        long pid = pid(cocoon, vm);
        // The guest powers itself off: the hypervisor ends on its own, and nobody ran cocoon stop.
        cocoon.run(Duration.ofSeconds(60), real ? "poweroff -f\n" : "poweroff\n", "console", vm)
                .ok();
        await(() -> !alive(pid), "the " + driver + " process " + pid + " outlived its guest's power-off");
        assertEquals("stopped", state(cocoon, vm), "a guest that powered itself off");

        cocoon.run("start", vm).ok();
        long killed = pid(cocoon, vm);
        ProcessHandle.of(killed).orElseThrow().destroyForcibly();
        await(() -> !alive(killed), "SIGKILL did not end " + killed);
        assertEquals("error", state(cocoon, vm), "a killed hypervisor");
        cocoon.run("rm", vm).ok();
    }

    /**
     * {@code cocoon start demo && sleep 1 && cocoon stop demo}: the first press of the power button comes
     * before the guest's handler listens and is lost, so stop presses again until the guest goes off by
     * itself; it used to wait out its whole timeout and then pull the plug.
     */
    @org.junit.jupiter.api.Test
    void aVmStoppedWhileItBootsPowersOffGracefullyOnceItsHandlerRuns() throws Exception {
        String vm = "early-stop";
        qemu.create(vm).ok();
        qemu.start(vm).ok();
        Thread.sleep(1000);
        Duration timeout = Duration.ofSeconds(150);
        long begin = System.nanoTime();
        qemu.cocoon()
                .run(timeout.plusSeconds(60), null, "stop", "--timeout", timeout.toSeconds() + "s", vm)
                .ok();
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        System.out.printf("[timing] stop while booting %d ms%n", took.toMillis());

        assertTrue(
                qemu.console(vm).contains(GuestFixture.POWERING_OFF),
                "the guest's power-button handler never ran: " + GuestFixture.tail(qemu.console(vm), 20));
        assertTrue(took.compareTo(timeout) < 0, "stop waited out its timeout: " + took);
        assertEquals("stopped", state(qemu.cocoon(), vm));
        qemu.cocoon().run("rm", vm).ok();
    }

    /** What {@code ps --format json} says, not the record: ps reconciles with the live process. */
    private static String state(CocoonCli cocoon, String vm) throws IOException {
        for (JsonNode row :
                JSON.readTree(cocoon.run("ps", "--format", "json").ok().out())) {
            if (row.get("name").asText().equals(vm)) {
                return row.get("state").asText().toLowerCase(Locale.ROOT);
            }
        }
        throw new AssertionError("ps does not list " + vm);
    }

    private static JsonNode inspect(CocoonCli cocoon, String vm) throws IOException {
        return JSON.readTree(cocoon.run("inspect", vm).ok().out());
    }

    private static Path runDir(CocoonCli cocoon, String vm) throws IOException {
        return Path.of(inspect(cocoon, vm).at("/paths/runDir").asText());
    }

    private static long pid(CocoonCli cocoon, String vm) throws IOException {
        return inspect(cocoon, vm).at("/vm/pid").asLong();
    }

    /** The demo guest's {@code boot}-th boot has finished once its banner shows that often; the double has nothing to boot. */
    private static void awaitBoot(String driver, String vm, int boot) {
        if (driver.equals("qemu")) {
            qemu.awaitConsole(vm, GuestFixture.BANNER, boot, GuestFixture.BOOT_TIMEOUT);
        }
    }

    /** Not a zombie: the hypervisor is detached, so init reaps it when it will. */
    private static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    private static void await(java.util.function.BooleanSupplier done, String failure) {
        GuestFixture.await(WAIT, () -> failure, done);
    }
}
