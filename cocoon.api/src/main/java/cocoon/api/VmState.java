package cocoon.api;

import java.util.Locale;

/** Lifecycle states of a VM record. */
public enum VmState {
    CREATED,
    RUNNING,
    /** Its hypervisor lives but the guest's vCPUs are stopped: a snapshot save pauses it, or was killed while it had. */
    PAUSED,
    STOPPED,
    ERROR;

    /** Lower-case, as tables and JSON show it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
