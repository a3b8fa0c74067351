package cocoon.api;

/**
 * A driver's hold on its hypervisor's control API: what the shared process machinery ({@link VmmProcess})
 * asks of a live hypervisor, and how it learns why one ended.
 */
public interface VmmControl {

    /** Whether the control API answers now; {@code start} waits for it. */
    boolean answers();

    /**
     * The guest's state as the live hypervisor reports it: {@code RUNNING}; {@code STOPPED} when the guest
     * is off but the process lingers; {@code ERROR} when it reports a failure or does not answer.
     */
    VmState guest();

    /** Presses the ACPI power button; false when the hypervisor did not take it. */
    boolean pressPowerButton();

    /** Asks the hypervisor to end itself through its API; failures are ignored (signals follow). */
    void quit();

    /**
     * Asked once the process is gone while its record said running and its pid file is still there: whether
     * it ended on its own because the guest powered off, rather than being killed or crashing. (A run
     * folder without a pid file was cleaned by a stop, or by a reboot: that counts as stopped already.)
     */
    boolean endedCleanly();
}
