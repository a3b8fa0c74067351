package cocoon.api;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/** Creates a VM's writable disks over an image's shared read-only bases. */
public interface DiskBuilder {

    interface Provider {
        /** The image kind this builder serves ({@link Image#kind()}). */
        String kind();

        /** The keys it reads from the {@code [kind]} config section, which it shares with the image source of that kind. */
        default List<Setting<?>> settings() {
            return List.of();
        }

        DiskBuilder open(PluginContext context);
    }

    /**
     * What {@link #build} would create, with the same paths, creating nothing: {@code cocoon run} renders
     * the hypervisor command from it.
     */
    VmDisks plan(Image image, VmSpec spec, VmNetwork network, Path vmDir);

    /**
     * Creates the VM's disks inside {@code vmDir} and returns every disk the VM boots with, base
     * layers first, plus what the kernel command line must say about them.
     *
     * @param network the VM's cards as its network planned them, for a disk that tells the guest about them
     *                (a cloud image's seed)
     */
    VmDisks build(Image image, VmSpec spec, VmNetwork network, Path vmDir);

    /**
     * The exit status of the command the VM ran ({@link VmSpec#command()}) as the guest left it on the VM's writable
     * disks when the command exited and the VM powered off; empty when there is none. Asked only of a stopped VM.
     */
    default OptionalInt exitStatus(List<Disk> disks) {
        return OptionalInt.empty();
    }

    /**
     * The disks of a VM cloned from a snapshot: {@code copied} are the snapshot's, those of the source's own already
     * copied into the clone's {@code vmDir}. A clone that {@code boots} (from a disk-only snapshot) is a new machine:
     * a builder whose disks tell the guest who it is (a cloud image's seed: instance id, host name, cards) writes them
     * anew for {@code spec} and {@code network}; a resumed clone keeps the identity its memory already holds.
     */
    default List<Disk> forClone(List<Disk> copied, VmSpec spec, VmNetwork network, Path vmDir, boolean boots) {
        return copied;
    }

    /** Removes the writable disks it created; shared bases are never touched. */
    void remove(List<Disk> disks);

    /** Whether the builder can work here (the tools it runs are installed); feeds {@code cocoon doctor}. */
    Availability check();
}
