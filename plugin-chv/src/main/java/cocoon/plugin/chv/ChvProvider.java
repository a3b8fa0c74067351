package cocoon.plugin.chv;

import cocoon.api.Hypervisor;

/** Registers the Cloud Hypervisor driver as {@code chv}; preferred over QEMU (preference 50) when both can run. */
public final class ChvProvider extends Hypervisor.Registration {

    public ChvProvider() {
        super(
                CloudHypervisor.NAME,
                100,
                ChvSettings.DECLARED,
                context -> new CloudHypervisor(context, ChvSettings.from(context.settings())));
    }
}
