package cocoon.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * How a VM reaches and is reached from the world: one provider per mode ({@code user}, {@code none}, {@code bridge}). A network plans a VM's cards at {@code create} (kept in the record, so MAC and address are
 * stable) and readies the host for them at {@code start}; the hypervisor only renders the cards.
 */
public interface Network {

    interface Provider {
        /** The mode users select with {@code --network}: {@code user}, {@code none}. */
        String name();

        /** Higher wins when the user asks for {@code auto} and several modes can serve the VM's hypervisor. */
        int preference();

        /** The keys it reads from the shared {@code [network]} config section. */
        default List<Setting<?>> settings() {
            return List.of();
        }

        Network open(PluginContext context);
    }

    /** A mode's provider, declared by its facts ({@link DeclaredProvider}); its name is the mode. */
    abstract class Registration extends DeclaredProvider<Network> implements Provider {

        protected Registration(
                String mode, int preference, List<Setting<?>> settings, Function<PluginContext, Network> opener) {
            super(mode, preference, settings, opener);
        }
    }

    /**
     * What {@code create} asks of a network for one new VM.
     *
     * @param published the {@code --publish} rules as parsed, in the order given
     */
    record Request(String vmId, String vmName, Hypervisor hypervisor, List<PublishedPort> published) {
        public Request {
            published = List.copyOf(published);
        }
    }

    String mode();

    /** Whether VMs of {@code hypervisor} can use this mode here; if not, why, and what to choose instead. */
    Availability availability(Hypervisor hypervisor);

    /**
     * The cards a new VM gets, as they are to be recorded. Writes nothing.
     *
     * @throws InvalidInputException when the hypervisor cannot use this mode or a published port is refused
     */
    VmNetwork plan(Request request);

    /** Whether this mode's host tools and permissions are in place, for {@code cocoon doctor}. */
    default Availability check() {
        return Availability.ok("needs nothing on the host");
    }

    /**
     * The cards a new VM gets, with whatever must be held for it (a bridge mode's address lease) taken for good:
     * what {@code create} records. Released by {@link #release}.
     */
    default VmNetwork reserve(Request request) {
        return plan(request);
    }

    /**
     * Readies the host for the VM's cards right before its hypervisor starts, and returns the cards as the
     * hypervisor is to run them this time: the recorded ones, plus what the mode gives every running VM on its
     * own (user mode: a loopback port forwarded to the guest's SSH port, picked free now).
     *
     * @throws ConflictException when something on the host is in the way, such as a published port in use
     */
    VmNetwork beforeStart(VmRecord vm);

    /** Undoes {@link #beforeStart} once the VM's hypervisor is gone (stop, rm, found dead); idempotent. */
    default void afterStop(VmRecord vm) {}

    /** Gives back what {@link #reserve} held for a VM being removed; idempotent. */
    default void release(VmRecord vm) {}

    /** Files this network keeps for VMs that no longer exist ({@code vmIds} are those that do), for {@code gc}. */
    default List<Path> garbage(Set<String> vmIds) {
        return List.of();
    }

    /**
     * Files this network keeps for the VMs {@code goneIds}, which no longer exist: what {@code rm} collects right
     * after it removed them, without the ids of every VM that {@link #garbage} needs. A network that does not
     * answer leaves them to {@code gc}.
     */
    default List<Path> garbageOf(Set<String> goneIds) {
        return List.of();
    }

    /** One thing on the host (a TAP, a forwarding rule) that {@link #sweep} took down, or would. */
    record Leftover(String what, String why) {}

    /**
     * Takes down what this network set up on the host for VMs that do not run (a start or stop killed half-way, a
     * hypervisor that died): {@code gc} calls it holding every store lock, so no start, stop or rm is half-way and
     * {@code running}, the ids of the VMs whose hypervisor lives, is the whole truth. With {@code dryRun} it only
     * says what it would take down.
     */
    default List<Leftover> sweep(Set<String> running, boolean dryRun) {
        return List.of();
    }
}
