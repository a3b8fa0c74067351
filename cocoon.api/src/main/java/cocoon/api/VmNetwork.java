package cocoon.api;

import java.util.List;

/**
 * A VM's network as planned at {@code create}: the mode the user chose (or {@code auto} resolved to) and the
 * cards it gave the VM, in the order the guest sees them.
 */
public record VmNetwork(String mode, List<Nic> nics) {

    public static final String NONE = "none";

    public VmNetwork {
        nics = List.copyOf(nics);
    }

    public static VmNetwork none() {
        return new VmNetwork(NONE, List.of());
    }

    /** The first card's address, as {@code ps} shows it; empty without a card. */
    public String address() {
        return nics.isEmpty() ? "" : nics.getFirst().address();
    }

    /** The guest contract's words for an image that boots its kernel directly (DESIGN §5a); empty without a card. */
    public String kernelWords(String hostname) {
        if (nics.isEmpty()) {
            return "";
        }
        StringBuilder words = new StringBuilder("cocoon.hostname=").append(hostname);
        nics.forEach(nic -> words.append(' ').append(nic.kernelWord()));
        return words.toString();
    }
}
