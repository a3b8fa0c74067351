package cocoon.runtime.snapshot;

import cocoon.api.Disk;
import cocoon.api.MachineFacts;
import cocoon.api.VmRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * One snapshot, persisted as {@code <root-dir>/snapshots/<id>/snapshot.json}, written last: a folder without it is
 * a save that never finished.
 *
 * @param vm           the VM's record as it was when saved (its own disks, network and boot)
 * @param disks        the disks a copy of the VM boots with, in the VM's order: the writable ones copied into the
 *                     snapshot's folder, the read-only ones (image layers) shared with the image
 * @param memoryState  the folder holding the device and memory state, as the hypervisor wrote it into
 *                     {@code <snapshot>/state/}, or null for a disk-only snapshot
 * @param machine      the machine the state was saved on; null where the hypervisor cannot tell (disk-only)
 */
public record SnapshotRecord(
        String id,
        String name,
        Instant created,
        VmRecord vm,
        List<Disk> disks,
        Path memoryState,
        MachineFacts machine) {

    public SnapshotRecord {
        disks = List.copyOf(disks);
    }

    public boolean hasMemory() {
        return memoryState != null;
    }

    /** {@code memory} or {@code disk}, as tables show it. */
    public String kind() {
        return hasMemory() ? "memory" : "disk";
    }
}
