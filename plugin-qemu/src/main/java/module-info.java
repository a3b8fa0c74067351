/** The QEMU hypervisor driver: KVM where it can run a stock kernel, TCG otherwise; controlled over QMP. */
module cocoon.plugin.qemu {
    requires cocoon.api;
    requires com.fasterxml.jackson.databind;

    // QMP requests and replies are records that Jackson reads and writes reflectively.
    opens cocoon.plugin.qemu.qmp to
            com.fasterxml.jackson.databind;

    provides cocoon.api.Hypervisor.Provider with
            cocoon.plugin.qemu.QemuProvider;
}
