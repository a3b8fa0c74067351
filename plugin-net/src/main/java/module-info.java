/**
 * Cocoon's network modes: {@code bridge} (a Linux bridge with NAT, root), {@code user} (inside the hypervisor
 * process, rootless) and {@code none}.
 */
module cocoon.plugin.net {
    requires cocoon.api;

    provides cocoon.api.Network.Provider with
            cocoon.plugin.net.BridgeNetworkProvider,
            cocoon.plugin.net.UserNetworkProvider,
            cocoon.plugin.net.NoNetworkProvider;
}
