package cocoon.plugin.qemu;

import cocoon.api.BootSpec;
import cocoon.api.PluginContext;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;
import cocoon.api.VmState;
import cocoon.runtime.plugin.Contexts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Direct kernel boot of a real guest kernel, when the guest build has left one in
 * {@code $COCOON_GUEST_DIR} (default {@code /root/.cache/cocoon/guest}) as {@code vmlinuz}, with
 * {@code initrd.img} or {@code initrd} beside it. No disks: the point is that QEMU's argv boots the
 * kernel and its serial console reaches the console log.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class QemuGuestBootTest {

    private static final Path GUEST = Path.of(Optional.ofNullable(System.getenv("COCOON_GUEST_DIR"))
            .orElse("/root/.cache/cocoon/guest"));
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private long pid;

    @AfterEach
    void killQemu() {
        ProcessHandle.of(pid).ifPresent(process -> {
            process.destroyForcibly();
            process.onExit().orTimeout(10, TimeUnit.SECONDS).join();
        });
    }

    @Test
    void aRealKernelBootsAndPrintsToTheConsoleLogThenPowersOff() throws Exception {
        Path kernel = GUEST.resolve("vmlinuz");
        assumeTrue(Files.isReadable(kernel), "no guest kernel at " + kernel + " (built by guest/)");
        Path initrd = Stream.of("initrd.img", "initrd").map(GUEST::resolve).filter(Files::isReadable).findFirst().orElse(null);
        PluginContext context = Contexts.of(dir.resolve("root"), dir.resolve("run"), dir.resolve("log"), Map.of());
        assumeTrue(context.processes().which("qemu-system-x86_64").isPresent(), "qemu-system-x86_64 is not installed");
        QemuHypervisor qemu = new QemuHypervisor(context, KvmHost.system());
        VmRecord created = TestVms.record("guest", "auto", 256, BootSpec.kernel(kernel, initrd, ""), List.of());
        VmPaths paths = TestVms.paths(dir, created.id());
        Files.createDirectories(paths.vmDir());

        pid = qemu.launch(created, paths);
        VmRecord vm = TestVms.withPid(created, pid);

        Path consoleLog = paths.logDir().resolve("console.log");
        awaitConsole(consoleLog, "Linux version");
        assertEquals(VmState.RUNNING, qemu.state(vm, paths));
        qemu.powerOff(vm, paths, Duration.ofSeconds(5), false);
        // Dead means gone or a zombie: QEMU is this JVM's child here, and the JVM reaps it a moment later.
        assertFalse(context.processes().isAlive(pid, "qemu-system-x86_64"), "QEMU still runs");
        assertEquals(VmState.STOPPED, qemu.state(vm, paths));
    }

    private static void awaitConsole(Path log, String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
        while (!(Files.exists(log) && Files.readString(log).contains(text))) {
            assertTrue(System.nanoTime() < deadline, "no '" + text + "' on the console within " + BOOT_TIMEOUT);
            Thread.sleep(100);
        }
    }
}
