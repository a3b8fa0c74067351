package cocoon.api;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Runs each VM as one detached hypervisor process and controls it through that process's API. */
public interface Hypervisor {

    interface Provider {
        /** Name users select with {@code --hypervisor}: {@code chv}, {@code qemu}. */
        String name();

        /** Higher wins when the user asks for {@code auto} and several hypervisors can run here. */
        int preference();

        /** The keys of its {@code [name]} config section. */
        default List<Setting<?>> settings() {
            return List.of();
        }

        Hypervisor open(PluginContext context);
    }

    String name();

    /** Whether it can run VMs on this host and, if not, what to install or change. */
    Availability check();

    /** The exact argument list {@link #launch} would execute. Creates nothing. */
    List<String> command(VmRecord vm, VmPaths paths);

    /** Starts the VM as a detached process, waits until its control API answers, and returns its pid. */
    long launch(VmRecord vm, VmPaths paths);

    /**
     * The live state, reconciled with the process: a dead or foreign pid is never {@code RUNNING}. For a
     * VM recorded as running whose hypervisor is gone, {@code STOPPED} means it exited by itself (the
     * guest powered off) and {@code ERROR} that it was killed or crashed, or that the driver cannot tell.
     */
    VmState state(VmRecord vm, VmPaths paths);

    /** ACPI power button, wait up to {@code timeout}, then harder means; {@code force} skips the button. */
    void powerOff(VmRecord vm, VmPaths paths, Duration timeout, boolean force);

    /** The PTY the VM's interactive console is on. */
    Path console(VmRecord vm, VmPaths paths);
}
