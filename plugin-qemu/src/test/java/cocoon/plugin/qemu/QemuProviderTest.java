package cocoon.plugin.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocoon.api.Hypervisor;
import cocoon.api.SettingValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class QemuProviderTest {

    @Test
    void serviceLoaderFindsTheQemuDriverWithItsDefaults() {
        Hypervisor.Provider qemu = ServiceLoader.load(Hypervisor.Provider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(provider -> provider.name().equals("qemu"))
                .findFirst()
                .orElseThrow();

        assertEquals(50, qemu.preference());
        assertEquals(
                new QemuSettings(
                        "qemu-system-x86_64",
                        "auto",
                        Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd"),
                        Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd"),
                        Duration.ofSeconds(30)),
                new QemuSettings(SettingValues.defaults(qemu.settings())));
    }
}
