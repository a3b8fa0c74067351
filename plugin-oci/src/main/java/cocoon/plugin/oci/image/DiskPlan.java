package cocoon.plugin.oci.image;

import cocoon.plugin.oci.registry.LayerDescriptor;
import cocoon.plugin.oci.store.IndexEntry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Which disks an image's layers become. Each layer is a disk of its own, shared by every image that has it,
 * up to {@link #MAX_DISKS}; beyond that the bottom layers keep their own disks and the rest, from there to
 * the top, are merged into one. Hypervisors give a VM a few dozen PCI slots: QEMU's q35 with
 * {@code -nodefaults} took 29 virtio-blk disks beside its RNG and refused the 30th ("PCI: no slot/function
 * available"), Cloud Hypervisor's PCI segment 0 takes 31 devices beside its host bridge, shared by console, RNG,
 * balloon, watchdog, NICs and disks. Sixteen leaves room for the COW disk, NICs and a kernel image's layers, and keeps the kernel
 * command line's serial list near 340 bytes. Base layers, the ones images share, stay shared.
 *
 * @param own      layers with a disk of their own, bottom first (a layer listed twice keeps its topmost place)
 * @param merged   the top layers, bottom first, that become one disk; empty when every layer has its own
 * @param mergedId the merged disk's id: the SHA-256 of its layers' digests, so the same layers share it; or null
 */
record DiskPlan(List<LayerDescriptor> own, List<LayerDescriptor> merged, String mergedId) {

    static final int MAX_DISKS = 16;

    DiskPlan {
        own = List.copyOf(own);
        merged = List.copyOf(merged);
    }

    static DiskPlan of(List<LayerDescriptor> layers) {
        List<String> distinct = IndexEntry.onePerLayer(hexes(layers));
        if (distinct.size() <= MAX_DISKS) {
            return new DiskPlan(layers, List.of(), null);
        }
        List<LayerDescriptor> own = layers.subList(0, MAX_DISKS - 1);
        List<LayerDescriptor> merged = layers.subList(MAX_DISKS - 1, layers.size());
        return new DiskPlan(own, merged, mergedId(merged));
    }

    /** The disk ids the VM stacks, bottom first. */
    List<String> diskIds() {
        List<String> ids = new ArrayList<>(IndexEntry.onePerLayer(hexes(own)));
        if (mergedId != null) {
            ids.add(mergedId);
        }
        return ids;
    }

    private static List<String> hexes(List<LayerDescriptor> layers) {
        return layers.stream().map(LayerDescriptor::hex).toList();
    }

    private static String mergedId(List<LayerDescriptor> layers) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update("merged layers of a Cocoon disk\n".getBytes(StandardCharsets.US_ASCII));
            for (LayerDescriptor layer : layers) {
                sha256.update((layer.digest() + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            return HexFormat.of().formatHex(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
