package cocoon.plugin.net;

import java.util.HexFormat;
import java.util.Locale;

/** MAC addresses of VM cards: QEMU's locally administered prefix {@code 52:54:00}, then three bytes of the VM id. */
final class Macs {

    private Macs() {}

    /** Stable for the life of the VM, since its id is; ids are random, so two VMs rarely share one. */
    static String of(String vmId) {
        String hex = vmId.toLowerCase(Locale.ROOT);
        if (hex.length() < 6 || !hex.substring(0, 6).chars().allMatch(HexFormat::isHexDigit)) {
            throw new IllegalArgumentException("VM id '" + vmId + "' does not start with 6 hex digits");
        }
        return "52:54:00:" + hex.substring(0, 2) + ":" + hex.substring(2, 4) + ":" + hex.substring(4, 6);
    }
}
