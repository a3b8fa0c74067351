package cocoon.plugin.oci.layer;

import cocoon.plugin.oci.store.KernelModules;
import java.nio.file.Path;

/**
 * A layer (or several merged in order) turned into files in its work folder, ready to be committed to the store.
 *
 * @param erofs   the EROFS image
 * @param listing its {@link LayerListing}
 * @param kernel  the newest {@code /boot/vmlinuz*}, copied out, or null
 * @param initrd  its matching {@code /boot/initrd.img*}, copied out, or null
 * @param modules what its kernel module tree offers the guest hook, or null when it has no tree with a modules.dep
 * @param moduleArchive the modules the guest hook loads, as a cpio archive to append to Cocoon's initrd; null when
 *                the layer has no module tree or the installation names no such modules
 */
public record ConvertedLayer(
        Path erofs, Path listing, Path kernel, Path initrd, KernelModules modules, Path moduleArchive) {}
