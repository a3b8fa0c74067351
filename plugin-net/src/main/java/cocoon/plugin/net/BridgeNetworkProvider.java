package cocoon.plugin.net;

import cocoon.api.InvalidInputException;
import cocoon.api.Network;
import cocoon.api.PluginContext;
import cocoon.api.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Registers {@code bridge}: what {@code auto} picks first where Cocoon may make network devices. */
public final class BridgeNetworkProvider extends Network.Registration {

    static final Setting<String> BRIDGE =
            Setting.text("bridge", "cocoon0", "the Linux bridge of --network bridge, made on first use");
    static final Setting<String> SUBNET = Setting.text(
            "subnet",
            "10.89.0.0/16",
            "IPv4 subnet of the bridge: its first address is the host's and the guests' gateway");
    static final Setting<String> DNS = Setting.text(
            "dns",
            Resolvers.HOST,
            "name servers of bridge guests: \"host\" (the host's upstream resolvers), addresses, or \"none\"");

    /** CAP_NET_ADMIN's bit in the capability sets of /proc/self/status. */
    private static final long CAP_NET_ADMIN = 1L << 12;

    public BridgeNetworkProvider() {
        super(BridgeNetwork.MODE, 100, List.of(BRIDGE, SUBNET, DNS), BridgeNetworkProvider::network);
    }

    private static BridgeNetwork network(PluginContext context) {
        String bridge = context.settings().get(BRIDGE);
        if (!bridge.matches("[A-Za-z0-9_-]{1,15}")) {
            throw new InvalidInputException(
                    "[network] bridge '" + bridge + "' is not a network device name",
                    "use up to 15 letters, digits, '-' or '_', e.g. cocoon0");
        }
        Subnet subnet = Subnet.parse(context.settings().get(SUBNET));
        // Under the root dir, not the run dir: gc (also after every rm) removes run-dir entries that are no VM's.
        Path state = context.rootDir().resolve("network");
        return new BridgeNetwork(
                context.processes(),
                bridge,
                subnet,
                Resolvers.of(context.settings().get(DNS)),
                new Leases(state.resolve("leases"), subnet),
                new BridgeHost(
                        context.processes(),
                        bridge,
                        subnet,
                        Path.of("/proc/sys/net/ipv4"),
                        state.resolve(NatRuleset.TABLE + ".nft")),
                new RunningCards(state.resolve("running")),
                HostAddresses.system(),
                context.locks().own("host"),
                BridgeNetworkProvider::mayMakeDevices);
    }

    /** Root, or CAP_NET_ADMIN in the effective set: what creating bridges, TAPs and nftables rules needs. */
    static boolean mayMakeDevices() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("CapEff:"))
                    .map(line -> Long.parseUnsignedLong(
                            line.substring("CapEff:".length()).strip(), 16))
                    .anyMatch(caps -> (caps & CAP_NET_ADMIN) != 0);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }
}
