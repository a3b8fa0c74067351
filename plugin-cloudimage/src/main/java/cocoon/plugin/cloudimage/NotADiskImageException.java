package cocoon.plugin.cloudimage;

import cocoon.api.InvalidInputException;

/** The download is neither a known disk format nor a plausible raw disk; nothing was stored. */
public final class NotADiskImageException extends InvalidInputException {
    public NotADiskImageException(String source, long size) {
        super(
                source + " is not a disk image (" + size + " bytes, no qcow2/vmdk/vhdx/vhd/vdi header and no"
                        + " partition table in a whole number of 512-byte sectors)",
                "point at the disk image itself; compressed images (.xz, .gz) must be unpacked and served as is");
    }
}
