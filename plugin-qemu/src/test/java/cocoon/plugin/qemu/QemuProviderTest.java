package cocoon.plugin.qemu;

import cocoon.api.Hypervisor;
import org.junit.jupiter.api.Test;

import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;

class QemuProviderTest {

    @Test
    void serviceLoaderFindsTheQemuDriverWithItsDefaults() {
        Hypervisor.Provider qemu = ServiceLoader.load(Hypervisor.Provider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(provider -> provider.name().equals("qemu"))
                .findFirst()
                .orElseThrow();

        assertEquals(50, qemu.preference());
        assertEquals("qemu-system-x86_64", qemu.defaultSettings().get("binary"));
        assertEquals("auto", qemu.defaultSettings().get("accel"));
        assertEquals("/usr/share/OVMF/OVMF_CODE_4M.fd", qemu.defaultSettings().get("firmware_code"));
        assertEquals("/usr/share/OVMF/OVMF_VARS_4M.fd", qemu.defaultSettings().get("firmware_vars"));
        assertEquals("30", qemu.defaultSettings().get("start_timeout"));
    }
}
