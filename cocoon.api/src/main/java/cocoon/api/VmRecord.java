package cocoon.api;

import java.time.Instant;
import java.util.List;

/**
 * Everything Cocoon knows about one VM; persisted as {@code <root-dir>/vms/<id>/vm.json}.
 *
 * @param pid    the hypervisor process while running, 0 otherwise
 * @param error  why the VM is in {@link VmState#ERROR}, or null
 * @param network its mode and cards as planned at create; records older than networking read as {@code none}
 * @param kernelImage the kernel image the VM boots with, its disks stacked below the image's (DESIGN §5c); null when
 *                    the VM boots the image's own kernel (or firmware)
 */
public record VmRecord(
        String id,
        String name,
        VmState state,
        VmSpec spec,
        ImageRef image,
        BootSpec boot,
        List<Disk> disks,
        Instant created,
        Instant started,
        long pid,
        String error,
        VmNetwork network,
        ImageRef kernelImage) {

    /** Which image a VM was made from; the index entry may be gone, the files stay while the VM exists. */
    public record ImageRef(String kind, String reference, String digest) {}

    public VmRecord {
        disks = List.copyOf(disks);
        network = network == null ? VmNetwork.none() : network;
    }

    /** A VM that boots its image's own kernel, or firmware. */
    public VmRecord(
            String id,
            String name,
            VmState state,
            VmSpec spec,
            ImageRef image,
            BootSpec boot,
            List<Disk> disks,
            Instant created,
            Instant started,
            long pid,
            String error,
            VmNetwork network) {
        this(id, name, state, spec, image, boot, disks, created, started, pid, error, network, null);
    }

    /** Whether the VM boots with a kernel Cocoon supplies rather than one its image carries. */
    public boolean suppliedKernel() {
        return kernelImage != null;
    }

    public String hypervisor() {
        return spec.hypervisor();
    }

    public VmRecord running(long newPid, Instant at) {
        return new VmRecord(
                id, name, VmState.RUNNING, spec, image, boot, disks, created, at, newPid, null, network, kernelImage);
    }

    /** As {@code ps} shows a live VM whose guest is paused; never written. */
    public VmRecord paused() {
        return new VmRecord(
                id, name, VmState.PAUSED, spec, image, boot, disks, created, started, pid, null, network, kernelImage);
    }

    public VmRecord stopped() {
        return new VmRecord(
                id, name, VmState.STOPPED, spec, image, boot, disks, created, started, 0, null, network, kernelImage);
    }

    /** The same VM with its cards as one run has them ({@link Network#beforeStart}), for its hypervisor to render. */
    public VmRecord withNetwork(VmNetwork cards) {
        return new VmRecord(
                id, name, state, spec, image, boot, disks, created, started, pid, error, cards, kernelImage);
    }

    public VmRecord failed(String why) {
        return new VmRecord(
                id, name, VmState.ERROR, spec, image, boot, disks, created, started, 0, why, network, kernelImage);
    }
}
