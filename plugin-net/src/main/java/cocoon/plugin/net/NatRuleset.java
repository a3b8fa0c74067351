package cocoon.plugin.net;

import cocoon.api.PublishedPort;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Cocoon's one nftables table, as the text {@code nft -f} reads: the subnet's egress masqueraded, and each
 * published port of a running bridge VM DNATed to its address. It replaces the whole table in one
 * transaction (declared, deleted, declared again: the first line makes the delete succeed on a host that has
 * no table yet), so applying it twice, or after a kill -9 left anything half-done, gives the same rules.
 */
record NatRuleset(String table, Subnet subnet, List<Forward> forwards) {

    static final String TABLE = "cocoon";

    /** A published port of a running VM and the guest address it goes to. */
    record Forward(PublishedPort port, String guestAddress) {}

    NatRuleset {
        forwards = List.copyOf(forwards);
    }

    /** Each forward's rule as {@code nft list table} prints it back, e.g. {@code ip daddr 127.0.0.1 tcp dport 8080 dnat to 10.89.0.2:80}. */
    Set<String> dnatRules() {
        Set<String> rules = new LinkedHashSet<>();
        forwards.forEach(forward -> rules.add(rule(forward)));
        return rules;
    }

    private static String rule(Forward forward) {
        PublishedPort port = forward.port();
        // 0.0.0.0 is every address of this host, which is what the routing table calls local.
        String destination = port.hostIp().equals("0.0.0.0") ? "fib daddr type local" : "ip daddr " + port.hostIp();
        return destination + " " + port.protocol().label() + " dport " + port.hostPort() + " dnat to "
                + forward.guestAddress() + ":" + port.guestPort();
    }

    String render() {
        StringBuilder dnat = new StringBuilder();
        for (Forward forward : forwards) {
            dnat.append("        ").append(rule(forward)).append('\n');
        }
        // nft 1.0 takes the name dstnat for prerouting only: -100 is its number, for the host's own connections.
        // The loopback masquerade: a host client of 127.0.0.1 DNATed to a guest must be answered at an address
        // the guest can route to, the bridge's (with route_localnet on the bridge, as kube-proxy does).
        return """
                table ip %1$s {}
                delete table ip %1$s
                table ip %1$s {
                    chain prerouting {
                        type nat hook prerouting priority dstnat; policy accept;
                %3$s    }
                    chain output {
                        type nat hook output priority -100; policy accept;
                %3$s    }
                    chain postrouting {
                        type nat hook postrouting priority srcnat; policy accept;
                        ip saddr %2$s ip daddr != %2$s masquerade
                        ip saddr 127.0.0.0/8 ip daddr %2$s masquerade
                    }
                }
                """.formatted(table, subnet, dnat);
    }
}
