package cocoon.api;

import java.util.List;

/** What a {@link DiskBuilder} made: every disk the VM boots with, and the kernel command-line words that describe them. */
public record VmDisks(List<Disk> disks, String cmdline) {

    public VmDisks {
        disks = List.copyOf(disks);
        cmdline = cmdline == null ? "" : cmdline;
    }
}
