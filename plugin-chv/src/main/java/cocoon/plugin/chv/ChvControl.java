package cocoon.plugin.chv;

import cocoon.api.VmState;
import cocoon.api.VmmControl;
import cocoon.plugin.chv.api.ApiStatusException;
import cocoon.plugin.chv.api.ChvApi;
import cocoon.plugin.chv.api.ChvEvents;
import cocoon.plugin.chv.api.VmInfo;
import cocoon.plugin.chv.cli.VmFiles;
import java.io.IOException;

/** A VM's Cloud Hypervisor as the shared process machinery sees it: its REST API, and its event log for how it ended. */
final class ChvControl implements VmmControl {

    private final ChvApi api;
    private final VmFiles files;

    ChvControl(ChvApi api, VmFiles files) {
        this.api = api;
        this.files = files;
    }

    /**
     * Cloud Hypervisor serves its API before it creates and boots the VM from its command line
     * ({@code cloud-hypervisor/src/main.rs}), and a boot can still fail after {@code vmm.ping} answered:
     * it answers for the VM only once {@code vm.info} says the VM runs.
     */
    @Override
    public boolean answers() {
        try {
            String state = api.info().state();
            return VmInfo.RUNNING.equals(state) || VmInfo.PAUSED.equals(state);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The API answers before the VM exists and after {@code vm.shutdown} has dropped it; then {@code vm.info}
     * says {@code Created} or answers an error status: the guest is not running, the VMM lingers.
     */
    @Override
    public VmState guest() {
        try {
            String state = api.info().state();
            return VmInfo.CREATED.equals(state) || VmInfo.SHUTDOWN.equals(state) ? VmState.STOPPED : VmState.RUNNING;
        } catch (ApiStatusException e) {
            return VmState.STOPPED;
        } catch (IOException e) {
            return VmState.ERROR;
        }
    }

    @Override
    public boolean pressPowerButton() {
        try {
            api.powerButton();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code vm.shutdown} leaves the VMM up; {@code vmm.shutdown} ends it. Either may fail on a VM not booted yet. */
    @Override
    public void quit() {
        try {
            api.shutdownVm();
        } catch (IOException e) {
            // Not booted, or not answering: vmm.shutdown or the signals after it still end the process.
        }
        try {
            api.shutdownVmm();
        } catch (IOException e) {
            // Already exiting, or not answering: the signals after it handle that.
        }
    }

    @Override
    public boolean endedCleanly() {
        return ChvEvents.vmmShutDown(files.events());
    }
}
