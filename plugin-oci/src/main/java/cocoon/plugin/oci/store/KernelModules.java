package cocoon.plugin.oci.store;

import java.util.List;

/**
 * What a disk's kernel module tree offers the guest hook, as found at conversion and kept in the index.
 *
 * @param version the kernel release the tree is for ({@code /lib/modules/<version>/})
 * @param missing the modules Cocoon's disks need (virtio_blk, virtio_pci, erofs, overlay, ext4) that its
 *                {@code modules.dep} and {@code modules.builtin} do not name
 */
public record KernelModules(String version, List<String> missing) {

    public KernelModules {
        missing = List.copyOf(missing);
    }
}
