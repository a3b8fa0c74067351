package cocoon.api;

import java.util.Locale;

/** Lifecycle states of a VM record. */
public enum VmState {
    CREATED,
    RUNNING,
    STOPPED,
    ERROR;

    /** Lower-case, as tables and JSON show it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
