package cocoon.api;

import java.nio.file.Path;

/**
 * One disk a VM sees.
 *
 * @param serial       virtio serial the guest finds it by (at most 20 bytes), or null
 * @param backingFile  for a qcow2 overlay, the base it reads through to; otherwise null
 */
public record Disk(Path path, DiskFormat format, boolean readOnly, String serial, Path backingFile) {

    /** Virtio-blk serials hold 20 bytes. */
    public static final int MAX_SERIAL = 20;

    public Disk {
        if (serial != null && serial.length() > MAX_SERIAL) {
            throw new IllegalArgumentException("disk serial longer than " + MAX_SERIAL + " bytes: " + serial);
        }
    }
}
