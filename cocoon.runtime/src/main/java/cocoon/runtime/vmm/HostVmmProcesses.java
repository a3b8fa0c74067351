package cocoon.runtime.vmm;

import cocoon.api.Processes;
import cocoon.api.VmmControl;
import cocoon.api.VmmLayout;
import cocoon.api.VmmProcess;
import cocoon.api.VmmProcesses;
import java.time.Duration;

/** The hypervisor-process machinery the runtime hands every driver through its plugin context. */
public final class HostVmmProcesses implements VmmProcesses {

    private final Processes processes;

    public HostVmmProcesses(Processes processes) {
        this.processes = processes;
    }

    @Override
    public VmmProcess of(VmmLayout layout, VmmControl control, Duration stopGrace) {
        return new DetachedVmm(processes, layout, control, stopGrace);
    }
}
