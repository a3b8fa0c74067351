package cocoon.runtime.images;

import cocoon.api.ConflictException;
import cocoon.api.Image;
import cocoon.api.ImageSource;
import cocoon.api.NotFoundException;
import cocoon.api.ProgressListener;
import cocoon.api.PullOptions;
import cocoon.api.VmRecord;
import cocoon.runtime.plugin.Plugins;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Images across every source: pull dispatch, one listing, lookup by name or digest prefix, guarded delete. */
public final class ImageCatalog {

    private final Plugins plugins;

    public ImageCatalog(Plugins plugins) {
        this.plugins = plugins;
    }

    private static boolean uses(VmRecord vm, Image image) {
        return made(vm.image(), image) || (vm.suppliedKernel() && made(vm.kernelImage(), image));
    }

    public Image pull(String reference, PullOptions options, ProgressListener progress) {
        return plugins.sourceFor(reference).pull(reference, options, progress);
    }

    /** The reference that pulls exactly {@code image}'s content again ({@link ImageSource#digestReference}). */
    public Optional<String> digestReference(VmRecord.ImageRef image) {
        return plugins.source(image.kind()).digestReference(image);
    }

    /** Stores the base of {@code image} that came with a snapshot ({@link ImageSource#landBase}). */
    public Image landBase(VmRecord.ImageRef image, Path base, ProgressListener progress) {
        return plugins.source(image.kind()).landBase(image, base, progress);
    }

    public List<Image> list() {
        List<Image> all = new ArrayList<>();
        plugins.sources().forEach(source -> all.addAll(source.list()));
        all.sort(Comparator.comparing(Image::reference));
        return all;
    }

    /**
     * Finds an image by the reference as pulled, by the short name a user types for it (the source that
     * handles the name says which reference it stands for: {@code ubuntu} is
     * {@code docker.io/library/ubuntu:latest} to OCI) or by a unique digest prefix.
     */
    public Image find(String nameOrDigest) {
        List<Image> all = list();
        Optional<Image> exact =
                all.stream().filter(i -> i.reference().equals(nameOrDigest)).findFirst();
        if (exact.isPresent()) {
            return exact.get();
        }
        for (ImageSource source : plugins.sources()) {
            if (source.handles(nameOrDigest)) {
                String canonical = source.canonical(nameOrDigest);
                Optional<Image> named = all.stream()
                        .filter(i ->
                                i.kind().equals(source.kind()) && i.reference().equals(canonical))
                        .findFirst();
                if (named.isPresent()) {
                    return named.get();
                }
            }
        }
        String hex = nameOrDigest.startsWith("sha256:") ? nameOrDigest.substring(7) : nameOrDigest;
        if (hex.matches("[0-9a-f]{4,64}")) {
            List<Image> byDigest = all.stream()
                    .filter(i ->
                            i.digest().substring(i.digest().indexOf(':') + 1).startsWith(hex))
                    .toList();
            if (byDigest.size() > 1) {
                throw new ConflictException(
                        "'" + nameOrDigest + "' matches " + byDigest.size() + " images",
                        "give more digest characters or the image name");
            }
            if (byDigest.size() == 1) {
                return byDigest.get(0);
            }
        }
        throw new NotFoundException(
                "image '" + nameOrDigest + "' is not pulled",
                "run cocoon pull " + nameOrDigest + " first (cocoon list shows pulled images)");
    }

    /**
     * Removes the image from its source's index; refused while VMs or snapshots (as their image or the kernel image they boot
     * with; snapshots by the VM they were saved from,
     * {@code snapshots}: snapshot name -> that VM's record) use it unless {@code force}.
     */
    public void delete(Image image, List<VmRecord> vms, Map<String, VmRecord> snapshots, boolean force) {
        List<String> users = new ArrayList<>();
        vms.stream().filter(vm -> uses(vm, image)).forEach(vm -> users.add("VM " + vm.name()));
        snapshots.forEach((name, vm) -> {
            if (uses(vm, image)) {
                users.add("snapshot " + name);
            }
        });
        if (!users.isEmpty() && !force) {
            throw new ConflictException(
                    "image " + image.reference() + " is used by " + String.join(", ", users),
                    "remove those first, or pass --force (their disks keep working; files go when they go)");
        }
        ImageSource source = plugins.source(image.kind());
        source.delete(image);
    }

    /** Whether a VM's image, or the kernel image it boots with, is {@code image}. */
    private static boolean made(VmRecord.ImageRef used, Image image) {
        return used.digest().equals(image.digest()) && used.kind().equals(image.kind());
    }
}
