/** Cocoon's network modes: {@code user} (inside the hypervisor process, rootless) and {@code none}. */
module cocoon.plugin.net {
    requires cocoon.api;

    provides cocoon.api.Network.Provider with
            cocoon.plugin.net.UserNetworkProvider,
            cocoon.plugin.net.NoNetworkProvider;
}
