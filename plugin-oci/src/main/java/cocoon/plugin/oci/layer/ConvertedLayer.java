package cocoon.plugin.oci.layer;

import java.nio.file.Path;

/**
 * A layer (or several merged in order) turned into files in its work folder, ready to be committed to the store.
 *
 * @param erofs   the EROFS image
 * @param listing its {@link LayerListing}
 * @param kernel  the newest {@code /boot/vmlinuz*}, copied out, or null
 * @param initrd  its matching {@code /boot/initrd.img*}, copied out, or null
 */
public record ConvertedLayer(Path erofs, Path listing, Path kernel, Path initrd) {}
