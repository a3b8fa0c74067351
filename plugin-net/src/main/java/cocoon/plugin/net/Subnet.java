package cocoon.plugin.net;

import cocoon.api.InvalidInputException;
import java.util.OptionalInt;

/**
 * An IPv4 subnet of the bridge: its first address is the host's side and the guests' gateway, the rest but the
 * broadcast address go to VMs.
 */
record Subnet(int network, int prefix) {

    static Subnet parse(String cidr) {
        String[] parts = cidr.strip().split("/", -1);
        if (parts.length != 2 || !parts[1].matches("\\d{1,2}")) {
            throw notASubnet(cidr);
        }
        int prefix = Integer.parseInt(parts[1]);
        if (prefix < 8 || prefix > 30) {
            throw notASubnet(cidr);
        }
        int address = addressOf(parts[0]).orElseThrow(() -> notASubnet(cidr));
        int mask = (int) (0xFFFFFFFFL << (32 - prefix));
        if ((address & ~mask) != 0) {
            throw new InvalidInputException(
                    "[network] subnet " + cidr + " has host bits set",
                    "give the subnet's first address, e.g. " + format(address & mask) + "/" + prefix);
        }
        return new Subnet(address, prefix);
    }

    /** The host's address on the bridge and every guest's default route. */
    String gateway() {
        return format(network + 1);
    }

    /** How many addresses VMs can get: all but the network, gateway and broadcast addresses. */
    int guestCount() {
        return (int) ((1L << (32 - prefix)) - 3);
    }

    /** The {@code index}-th guest address, from 0: the one after the gateway. */
    String guest(int index) {
        return format(network + 2 + index);
    }

    @Override
    public String toString() {
        return format(network) + "/" + prefix;
    }

    static String format(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
                + (address & 0xFF);
    }

    static OptionalInt addressOf(String dotted) {
        String[] octets = dotted.split("\\.", -1);
        if (octets.length != 4) {
            return OptionalInt.empty();
        }
        int address = 0;
        for (String octet : octets) {
            if (!octet.matches("\\d{1,3}") || Integer.parseInt(octet) > 255) {
                return OptionalInt.empty();
            }
            address = (address << 8) | Integer.parseInt(octet);
        }
        return OptionalInt.of(address);
    }

    private static InvalidInputException notASubnet(String cidr) {
        return new InvalidInputException(
                "[network] subnet '" + cidr + "' is not an IPv4 subnet of /8 to /30",
                "write it as ADDRESS/PREFIX, e.g. 10.89.0.0/16");
    }
}
