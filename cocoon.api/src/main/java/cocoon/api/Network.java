package cocoon.api;

import java.util.List;
import java.util.function.Function;

/**
 * How a VM reaches and is reached from the world: one provider per mode ({@code user}, {@code none}, later
 * {@code bridge}). A network plans a VM's cards at {@code create} (kept in the record, so MAC and address are
 * stable) and readies the host for them at {@code start}; the hypervisor only renders the cards.
 */
public interface Network {

    interface Provider {
        /** The mode users select with {@code --network}: {@code user}, {@code none}. */
        String mode();

        /** Higher wins when the user asks for {@code auto} and several modes can serve the VM's hypervisor. */
        int preference();

        /** The keys it reads from the shared {@code [network]} config section. */
        default List<Setting<?>> settings() {
            return List.of();
        }

        Network open(PluginContext context);
    }

    /** A provider declared by its facts, as {@link Hypervisor.Registration} does for drivers. */
    abstract class Registration implements Provider {

        private final String mode;
        private final int preference;
        private final List<Setting<?>> settings;
        private final Function<PluginContext, Network> opener;

        protected Registration(String mode, int preference, List<Setting<?>> settings, Function<PluginContext, Network> opener) {
            this.mode = mode;
            this.preference = preference;
            this.settings = List.copyOf(settings);
            this.opener = opener;
        }

        @Override
        public final String mode() {
            return mode;
        }

        @Override
        public final int preference() {
            return preference;
        }

        @Override
        public final List<Setting<?>> settings() {
            return settings;
        }

        @Override
        public final Network open(PluginContext context) {
            return opener.apply(context);
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

    /**
     * Readies the host for the VM's cards right before its hypervisor starts.
     *
     * @throws ConflictException when something on the host is in the way, such as a published port in use
     */
    void beforeStart(VmRecord vm);
}
