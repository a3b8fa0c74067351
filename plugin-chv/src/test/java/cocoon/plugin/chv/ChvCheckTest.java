package cocoon.plugin.chv;

import static cocoon.plugin.chv.VmFixtures.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Availability;
import cocoon.api.InvalidInputException;
import cocoon.api.Nic;
import cocoon.api.SettingValues;
import cocoon.plugin.chv.host.HostKvm;
import cocoon.runtime.plugin.Contexts;
import cocoon.runtime.store.LockScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code cocoon doctor} hears from the driver, with the host's KVM simulated in a temp dir. */
class ChvCheckTest {

    @TempDir
    Path dir;

    private HostKvm kvm(String... modules) throws IOException {
        Path device = Files.write(dir.resolve("kvm"), new byte[0]);
        for (String module : modules) {
            Files.createDirectories(dir.resolve("module").resolve(module));
        }
        return new HostKvm(device, dir.resolve("module"));
    }

    private CloudHypervisor driver(String binary, HostKvm kvm, Path firmware) {
        SettingValues settings = VmFixtures.settings(Map.of("binary", binary, "firmware", firmware.toString()));
        var context = Contexts.of(
                LockScope.hypervisor("chv"), dir.resolve("lib"), dir.resolve("run"), dir.resolve("log"), settings);
        return new CloudHypervisor(context, ChvSettings.from(settings), kvm);
    }

    private Path script(String name, String versionLine) throws IOException {
        Path script = dir.resolve(name);
        Files.writeString(script, "#!/bin/sh\necho '" + versionLine + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    @Test
    void theProviderIsChvPreferredOverQemuWithItsSettingsDeclared() {
        ChvProvider provider = new ChvProvider();
        assertEquals("chv", provider.name());
        assertEquals(100, provider.preference());
        assertEquals(
                new ChvSettings(
                        "cloud-hypervisor",
                        Path.of("/usr/share/cloud-hypervisor/CLOUDHV.fd"),
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(5)),
                ChvSettings.from(SettingValues.defaults(provider.settings())));
    }

    @Test
    void aMissingBinarySaysWhereToGetItAndTheCommandStillRendersWithTheConfiguredName() throws IOException {
        CloudHypervisor chv = driver("cloud-hypervisor-not-installed", kvm("kvm_intel"), dir.resolve("none.fd"));
        Availability availability = chv.check();
        assertFalse(availability.usable());
        assertTrue(
                availability.detail().contains("cloud-hypervisor-not-installed not found on PATH"),
                availability.detail());
        assertTrue(
                availability.detail().contains("github.com/cloud-hypervisor/cloud-hypervisor/releases"),
                availability.detail());
        assertTrue(availability.detail().contains("UEFI firmware"), availability.detail());

        List<String> argv = chv.command(VmFixtures.ociVm(dir, 512 * MIB), VmFixtures.paths(dir));
        assertEquals("cloud-hypervisor-not-installed", argv.get(0));
        assertTrue(argv.stream().anyMatch(arg -> arg.contains("image_type=raw")), "assumes the current grammar");
    }

    @Test
    void theFakeV54WithUsableKvmAndFirmwareIsUsable() throws IOException {
        Path firmware = Files.write(dir.resolve("CLOUDHV.fd"), new byte[16]);
        Availability availability = driver(FakeChv.FAKE.toString(), kvm("kvm", "kvm_intel"), firmware)
                .check();
        assertTrue(availability.usable(), availability.detail());
        assertTrue(availability.detail().contains("v54.0.0"), availability.detail());
        assertFalse(availability.detail().contains("firmware"), availability.detail());
    }

    @Test
    void aReleaseOlderThanV38IsRefused() throws IOException {
        Path old = script("old-chv", "cloud-hypervisor v37.0");
        Availability availability =
                driver(old.toString(), kvm("kvm_amd"), dir.resolve("none.fd")).check();
        assertFalse(availability.usable());
        assertTrue(availability.detail().contains("v37.0.0, older than the v38.0.0"), availability.detail());
    }

    @Test
    void anOlderSupportedReleaseGetsTheGrammarItUnderstands() throws IOException {
        Path v45 = script("chv-45", "cloud-hypervisor v45.0");
        List<String> argv = driver(v45.toString(), kvm("kvm_amd"), dir.resolve("none.fd"))
                .command(VmFixtures.cloudVm(dir, 512 * MIB), VmFixtures.paths(dir));
        assertEquals(v45.toString(), argv.get(0));
        assertTrue(argv.stream().noneMatch(arg -> arg.contains("backing_files")), String.join(" ", argv));
    }

    @Test
    void aPvmHostIsReportedAsUnusableBecauseStockKernelsHang() throws IOException {
        Availability availability = driver(FakeChv.FAKE.toString(), kvm("kvm", "kvm_pvm"), dir.resolve("none.fd"))
                .check();
        assertFalse(availability.usable());
        assertTrue(availability.detail().contains("PVM"), availability.detail());
        assertTrue(availability.detail().contains("--hypervisor qemu"), availability.detail());
    }

    @Test
    void aHostWithoutKvmSaysSo() {
        HostKvm none = new HostKvm(dir.resolve("no-kvm"), dir.resolve("module"));
        assertTrue(none.problem().orElseThrow().contains("does not exist"));
    }

    @Test
    void badTimeoutsAreRejectedWithTheKeyNamed() {
        InvalidInputException error =
                assertThrows(InvalidInputException.class, () -> VmFixtures.settings(Map.of("start_timeout", "soon")));
        assertEquals("config: [chv] start_timeout = \"soon\" is not valid", error.getMessage());
        assertEquals("start_timeout takes a duration such as 500ms, 30s, 5m or 1h", error.hint());
    }

    /** So {@code --network auto} picks bridge for a Cloud Hypervisor VM where Cocoon may make devices, as for QEMU. */
    @Test
    void itRendersTapCardsAndNoUserModeOnes() throws IOException {
        CloudHypervisor chv = driver("cloud-hypervisor", kvm("kvm_intel"), dir.resolve("CLOUDHV.fd"));

        assertEquals(Set.of(Nic.Backend.TAP), chv.nicBackends());
    }
}
