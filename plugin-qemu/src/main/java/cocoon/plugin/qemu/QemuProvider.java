package cocoon.plugin.qemu;

import cocoon.api.Hypervisor;
import cocoon.api.PluginContext;
import cocoon.api.Setting;

import java.util.List;

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
    public List<Setting<?>> settings() {
        return QemuSettings.DECLARED;
    }

    @Override
    public Hypervisor open(PluginContext context) {
        return new QemuHypervisor(context, KvmHost.system());
    }
}
