package cocoon.plugin.net;

import cocoon.api.Network;
import java.util.List;

/** Registers {@code user}: chosen by {@code auto} over {@code none} wherever the hypervisor has it. */
public final class UserNetworkProvider extends Network.Registration {

    public UserNetworkProvider() {
        super(UserNetwork.MODE, 50, List.of(), context -> new UserNetwork(HostAddresses.system()));
    }
}
