package cocoon.api;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

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

    /** A driver's provider, declared by its facts ({@link DeclaredProvider}). */
    abstract class Registration extends DeclaredProvider<Hypervisor> implements Provider {

        protected Registration(
                String name, int preference, List<Setting<?>> settings, Function<PluginContext, Hypervisor> opener) {
            super(name, preference, settings, opener);
        }
    }

    String name();

    /** Whether it can run VMs on this host and, if not, what to install or change. */
    Availability check();

    /**
     * Validates the options a user gave for a VM on this hypervisor (such as QEMU's {@code accel}) and returns
     * them as they are to be recorded in {@link VmSpec#hypervisorOptions()}.
     *
     * @throws InvalidInputException naming the option and what this hypervisor takes
     */
    Map<String, String> options(Map<String, String> requested);

    /** The kinds of network card it can render; a network mode needing another is refused at create. */
    default Set<Nic.Backend> nicBackends() {
        return Set.of();
    }

    /** The exact argument list {@link #launch} would execute. Creates nothing. */
    List<String> command(VmRecord vm, VmPaths paths);

    /** Starts the VM as a detached process, waits until its control API answers, and returns its pid. */
    long launch(VmRecord vm, VmPaths paths);

    /** The VM's hypervisor process, run by the machinery every driver shares ({@link PluginContext#vmms()}). */
    VmmProcess process(VmPaths paths);

    /** The live state, under the contract {@link VmmProcess} states for every driver. */
    default VmState state(VmRecord vm, VmPaths paths) {
        return process(paths).state(vm);
    }

    /** ACPI power button (pressed again until the guest listens), up to {@code timeout}, then harder means; {@code force} skips the button. */
    default void powerOff(VmRecord vm, VmPaths paths, Duration timeout, boolean force) {
        process(paths).powerOff(vm, timeout, force);
    }

    /** The PTY, or the Unix socket a client connects to, that the VM's interactive console is on. */
    Path console(VmRecord vm, VmPaths paths);

    /**
     * The machine {@code vm} runs as on this host, as the driver would start it now: what a saved state is checked
     * against before it is loaded.
     */
    default MachineFacts machine(VmRecord vm) {
        throw cannotSaveState();
    }

    /** Pauses the running guest: its vCPUs stop and its disks are flushed, so they can be copied consistently. */
    default void pause(VmRecord vm, VmPaths paths) {
        throw cannotSaveState();
    }

    /**
     * Writes the paused guest's device and memory state into {@code stateFolder}, an empty private folder the driver
     * owns (its files, their names and their number are the driver's: Cloud Hypervisor writes several), and returns
     * the facts of the machine as the live hypervisor reports them.
     */
    default MachineFacts saveState(VmRecord vm, VmPaths paths, Path stateFolder) {
        throw cannotSaveState();
    }

    /**
     * Lets a guest paused by {@link #pause} (or loaded from saved state) run again; a guest that already runs is left
     * as it is, since a command killed after its resume leaves the next one to resume again.
     */
    default void resume(VmRecord vm, VmPaths paths) {
        throw cannotSaveState();
    }

    /**
     * Like {@link #launch}, but instead of booting, loads the state {@link #saveState} wrote into {@code stateFolder}
     * and resumes the guest where it was; returns once it runs. The folder is only read: several clones load it.
     */
    default long launchFromState(VmRecord vm, VmPaths paths, Path stateFolder) {
        throw cannotSaveState();
    }

    /** What a driver that cannot yet pause, save or load a guest's state answers. */
    default HypervisorException cannotSaveState() {
        return new HypervisorException(
                "hypervisor " + name() + " cannot pause, save or load a VM's state yet",
                "stop the VM and take a disk-only snapshot (cocoon snapshot save --disk-only), or use --hypervisor qemu");
    }
}
