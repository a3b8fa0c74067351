package cocoon.plugin.net;

/**
 * Cocoon's one nftables table, as the text {@code nft -f} reads. It replaces the whole table in one
 * transaction (declared, deleted, declared again: the first line makes the delete succeed on a host that has
 * no table yet), so applying it twice, or after a kill -9 left anything half-done, gives the same rules.
 */
record NatRuleset(String table, Subnet subnet) {

    static final String TABLE = "cocoon";

    String render() {
        return """
                table ip %1$s {}
                delete table ip %1$s
                table ip %1$s {
                    chain postrouting {
                        type nat hook postrouting priority srcnat; policy accept;
                        ip saddr %2$s ip daddr != %2$s masquerade
                    }
                }
                """.formatted(table, subnet);
    }
}
