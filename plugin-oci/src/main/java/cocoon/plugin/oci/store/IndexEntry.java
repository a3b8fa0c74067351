package cocoon.plugin.oci.store;

import cocoon.api.ImageConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code index.json} records about one pulled reference.
 *
 * @param reference       the normalised reference, e.g. {@code docker.io/library/ubuntu:24.04}
 * @param manifestDigest  digest of the linux/amd64 image manifest
 * @param referenceDigest digest the reference named when pulled (the manifest list's for a multi-platform tag),
 *                        which a re-pull compares with the registry's answer; null in entries from before it was kept
 * @param layers          bottom first
 * @param kernel          boot file path relative to {@code images/oci}, or null
 * @param initrd          boot file path relative to {@code images/oci}, or null
 * @param sizeBytes       bytes of its EROFS images and boot files
 * @param created         when it was pulled
 * @param disks           the ids (64 hex digits) of the EROFS disks the VM stacks, bottom first: a layer's digest,
 *                        or the id of the top layers merged into one disk; null in entries from before layers were
 *                        merged, which have one disk per layer
 * @param architecture    the image config's {@code architecture}; null in entries from before it was read
 * @param init            whether {@code /sbin/init} of the stacked disks is an executable; null when some disk has
 *                        no listing (stored by an older release)
 * @param kernelModules   what the topmost disk with a kernel module tree offers the guest hook: with a kernel, the image
 *                        is a kernel image (DESIGN §5c), and {@code initrd} is Cocoon's own where it carries none;
 *                        null when no disk has such a tree (or the entry predates kernel images)
 * @param config          what the image config says to run; null in entries from before it was recorded
 */
public record IndexEntry(
        String reference,
        String manifestDigest,
        String referenceDigest,
        List<LayerRecord> layers,
        String kernel,
        String initrd,
        long sizeBytes,
        Instant created,
        List<String> disks,
        String architecture,
        Boolean init,
        KernelModules kernelModules,
        ImageConfig config) {

    public IndexEntry {
        layers = List.copyOf(layers);
        disks = disks == null ? null : List.copyOf(disks);
    }

    /** The disks the VM stacks, bottom first, whether this entry recorded them or predates that. */
    public List<String> diskIds() {
        return disks != null
                ? disks
                : onePerLayer(layers.stream().map(LayerRecord::hex).toList());
    }

    /**
     * One disk per layer, bottom first. A layer listed twice keeps only its topmost place: the overlay it
     * builds is the same, and each serial then names one disk.
     */
    public static List<String> onePerLayer(List<String> layerHexes) {
        Map<String, Integer> topmost = new LinkedHashMap<>();
        for (int i = 0; i < layerHexes.size(); i++) {
            topmost.put(layerHexes.get(i), i);
        }
        List<String> disks = new ArrayList<>(topmost.keySet());
        disks.sort((a, b) -> Integer.compare(topmost.get(a), topmost.get(b)));
        return disks;
    }
}
