package cocoon.plugin.net;

import cocoon.api.Network;
import java.util.List;

/** Registers {@code none}: what {@code auto} falls back to when no other mode serves the hypervisor. */
public final class NoNetworkProvider extends Network.Registration {

    public NoNetworkProvider() {
        super(NoNetwork.MODE, 0, List.of(), context -> new NoNetwork());
    }
}
