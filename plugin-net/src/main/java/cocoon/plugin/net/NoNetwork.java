package cocoon.plugin.net;

import cocoon.api.Availability;
import cocoon.api.Hypervisor;
import cocoon.api.InvalidInputException;
import cocoon.api.Network;
import cocoon.api.VmNetwork;
import cocoon.api.VmRecord;

/** {@code none}: the VM gets no network card at all. */
final class NoNetwork implements Network {

    static final String MODE = VmNetwork.NONE;

    @Override
    public String mode() {
        return MODE;
    }

    @Override
    public Availability availability(Hypervisor hypervisor) {
        return Availability.ok("no network card");
    }

    @Override
    public VmNetwork plan(Request request) {
        if (!request.published().isEmpty()) {
            throw new InvalidInputException(
                    "--publish " + request.published().getFirst()
                            + " needs a network card, and --network none gives the VM none",
                    "drop --publish, or create the VM with --network user");
        }
        return VmNetwork.none();
    }

    @Override
    public VmNetwork beforeStart(VmRecord vm) {
        // Nothing on the host belongs to a VM without a card.
        return vm.network();
    }
}
