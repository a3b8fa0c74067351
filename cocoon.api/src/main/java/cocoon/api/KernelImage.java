package cocoon.api;

import java.util.List;

/**
 * What an image offers as a kernel image (DESIGN §5c): a kernel with its module tree, which an image without a
 * kernel of its own boots with, its disks stacked below that image's.
 *
 * @param version        the kernel's release, as {@code uname -r} prints it and {@code /lib/modules/} names it
 * @param missingModules the modules the guest hook needs for Cocoon's disks (virtio_blk, virtio_pci, erofs, overlay,
 *                       ext4) that the kernel has neither as a module nor built in; a VM booted with it would not
 *                       find its disks
 */
public record KernelImage(String version, List<String> missingModules) {

    public KernelImage {
        missingModules = List.copyOf(missingModules);
    }
}
