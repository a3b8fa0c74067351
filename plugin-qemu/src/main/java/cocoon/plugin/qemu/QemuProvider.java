package cocoon.plugin.qemu;

import cocoon.api.Hypervisor;
import cocoon.api.PluginContext;

import java.util.Map;

/** Registers the QEMU driver as {@code qemu}; it yields to Cloud Hypervisor when both can run. */
public final class QemuProvider implements Hypervisor.Provider {

    @Override
    public String name() {
        return QemuHypervisor.NAME;
    }

    @Override
    public int preference() {
        return 50;
    }

    @Override
    public Map<String, String> defaultSettings() {
        return QemuSettings.DEFAULTS;
    }

    @Override
    public Hypervisor open(PluginContext context) {
        return new QemuHypervisor(context, KvmHost.system());
    }
}
