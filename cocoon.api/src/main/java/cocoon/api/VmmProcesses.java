package cocoon.api;

import java.time.Duration;

/** Hands a driver the process machinery for one VM's hypervisor; the runtime implements it once for all drivers. */
public interface VmmProcesses {

    /**
     * The process of the VM laid out as {@code layout}, controlled through {@code control}; {@code stopGrace}
     * is how long each hard step of a stop (quit, SIGTERM, SIGKILL) may take to end it.
     */
    VmmProcess of(VmmLayout layout, VmmControl control, Duration stopGrace);
}
