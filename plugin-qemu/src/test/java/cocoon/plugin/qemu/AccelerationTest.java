package cocoon.plugin.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Availability;
import cocoon.api.InvalidInputException;
import cocoon.runtime.plugin.Contexts;
import cocoon.runtime.store.LockScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccelerationTest {

    @TempDir
    Path dir;

    /** A fake host: {@code /dev/kvm} present or not, and these kvm modules loaded. */
    private KvmHost host(boolean device, String... modules) throws IOException {
        Path sysModule = Files.createDirectories(dir.resolve("sys/module"));
        for (String module : modules) {
            Files.createDirectories(sysModule.resolve(module));
        }
        Path kvm = dir.resolve("dev/kvm");
        if (device) {
            Files.createDirectories(kvm.getParent());
            Files.createFile(kvm);
        }
        return new KvmHost(kvm, sysModule);
    }

    @Test
    void autoUsesKvmOnAHostWithHardwareVirtualization() throws IOException {
        Acceleration chosen = Acceleration.choose("auto", "auto", host(true, "kvm", "kvm_intel"));

        assertEquals(Acceleration.Accelerator.KVM, chosen.accelerator());
        assertEquals("host", chosen.cpuModel());
        assertTrue(chosen.usable());
    }

    @Test
    void autoUsesTcgOnAPvmHostBecauseStockKernelsHangUnderIt() throws IOException {
        Acceleration chosen = Acceleration.choose(null, "auto", host(true, "kvm", "kvm_pvm"));

        assertEquals(Acceleration.Accelerator.TCG, chosen.accelerator());
        assertEquals("max", chosen.cpuModel());
        assertEquals("KVM is PVM (nested): using TCG", chosen.reason());
    }

    @Test
    void aPvmModuleNextToKvmIntelIsNotAPvmHost() throws IOException {
        Acceleration chosen = Acceleration.choose("auto", "auto", host(true, "kvm", "kvm_intel", "kvm_pvm"));

        assertEquals(Acceleration.Accelerator.KVM, chosen.accelerator());
    }

    @Test
    void autoUsesTcgWithoutDevKvm() throws IOException {
        Acceleration chosen = Acceleration.choose("auto", "auto", host(false, "kvm", "kvm_amd"));

        assertEquals(Acceleration.Accelerator.TCG, chosen.accelerator());
        assertTrue(chosen.reason().startsWith("no usable "), chosen.reason());
    }

    @Test
    void tcgCanBeForcedEvenWhereKvmWorks() throws IOException {
        Acceleration chosen = Acceleration.choose("tcg", "auto", host(true, "kvm", "kvm_intel"));

        assertEquals(Acceleration.Accelerator.TCG, chosen.accelerator());
    }

    @Test
    void forcedKvmOnPvmAvoidsTheHostCpuModelThatAbortsThere() throws IOException {
        Acceleration chosen = Acceleration.choose("kvm", "auto", host(true, "kvm", "kvm_pvm"));

        assertEquals(Acceleration.Accelerator.KVM, chosen.accelerator());
        assertEquals("qemu64", chosen.cpuModel());
        assertTrue(chosen.usable());
    }

    @Test
    void forcedKvmWithoutDevKvmIsUnusable() throws IOException {
        Acceleration chosen = Acceleration.choose("kvm", "auto", host(false));

        assertFalse(chosen.usable());
        assertTrue(chosen.reason().contains("KVM requested"), chosen.reason());
    }

    @Test
    void theVmsChoiceOverridesTheConfigUnlessItIsAuto() throws IOException {
        KvmHost kvmHost = host(true, "kvm", "kvm_intel");

        assertEquals(
                Acceleration.Accelerator.KVM,
                Acceleration.choose("KVM", "tcg", kvmHost).accelerator());
        assertEquals(
                Acceleration.Accelerator.TCG,
                Acceleration.choose("auto", "tcg", kvmHost).accelerator());
        assertEquals(
                Acceleration.Accelerator.TCG,
                Acceleration.choose(null, "tcg", kvmHost).accelerator());
    }

    @Test
    void anUnknownAccelerationIsInvalidInput() throws IOException {
        KvmHost kvmHost = host(true, "kvm", "kvm_intel");

        InvalidInputException e =
                assertThrows(InvalidInputException.class, () -> Acceleration.choose("hvf", "auto", kvmHost));
        assertTrue(e.hint().contains("auto, kvm or tcg"));
    }

    @Test
    void checkSaysWhichAcceleratorItWillUseAndWhy() throws IOException {
        KvmHost pvm = host(true, "kvm", "kvm_pvm");
        var context = Contexts.of(
                LockScope.hypervisor("qemu"),
                dir.resolve("root"),
                dir.resolve("run"),
                dir.resolve("log"),
                TestVms.settings(Map.of()));

        Availability availability = new QemuHypervisor(context, pvm).check();

        if (context.processes().which("qemu-system-x86_64").isPresent()) {
            assertTrue(availability.usable(), availability.detail());
            assertTrue(availability.detail().startsWith("QEMU emulator version"), availability.detail());
            assertTrue(availability.detail().contains("KVM is PVM (nested): using TCG"), availability.detail());
        } else {
            assertFalse(availability.usable());
            assertTrue(availability.detail().contains("install qemu-system-x86"), availability.detail());
        }
    }

    @Test
    void checkReportsAMissingBinaryWithWhatToInstall() throws IOException {
        var context = Contexts.of(
                LockScope.hypervisor("qemu"),
                dir.resolve("root"),
                dir.resolve("run"),
                dir.resolve("log"),
                TestVms.settings(Map.of("binary", "/nonexistent/qemu-system-x86_64")));

        Availability availability = new QemuHypervisor(context, host(false)).check();

        assertFalse(availability.usable());
        assertTrue(availability.detail().contains("install qemu-system-x86"), availability.detail());
    }
}
