package cocoon.plugin.qemu;

import cocoon.api.Hypervisor;

/** Registers the QEMU driver as {@code qemu}; it yields to Cloud Hypervisor (preference 100) when both can run. */
public final class QemuProvider extends Hypervisor.Registration {

    public QemuProvider() {
        super(QemuHypervisor.NAME, 50, QemuSettings.DECLARED, context -> new QemuHypervisor(context, KvmHost.system()));
    }
}
