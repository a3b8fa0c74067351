package cocoon.plugin.chv;

import cocoon.api.Hypervisor;
import cocoon.api.PluginContext;
import cocoon.api.Setting;

import java.util.List;

/** Registers the Cloud Hypervisor driver as {@code chv}; preferred over QEMU when both can run. */
public final class ChvProvider implements Hypervisor.Provider {

    @Override
    public String name() {
        return CloudHypervisor.NAME;
    }

    @Override
    public int preference() {
        return 100;
    }

    @Override
    public List<Setting<?>> settings() {
        return ChvSettings.DECLARED;
    }

    @Override
    public Hypervisor open(PluginContext context) {
        return new CloudHypervisor(context, ChvSettings.from(context.settings()));
    }
}
