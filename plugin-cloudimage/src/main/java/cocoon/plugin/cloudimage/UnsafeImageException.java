package cocoon.plugin.cloudimage;

import cocoon.api.CocoonException;

/** A downloaded image would make Cocoon read files on this host (backing file, data file, extents); refused. */
public final class UnsafeImageException extends CocoonException {
    public UnsafeImageException(String what) {
        super(
                what + "; refused, an image from the network must not reference files on this host",
                "use a self-contained image (qemu-img convert -O qcow2 flattens one)");
    }
}
