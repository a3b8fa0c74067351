package cocoon.api;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Pulls images of one kind into its own store under the root dir, and answers for what it stored. */
public interface ImageSource {

    /** Found with {@link java.util.ServiceLoader}; opens the source once the runtime knows its directories. */
    interface Provider {
        /** Short kind name, also the store name: {@code oci}, {@code cloudimg}. */
        String kind();

        /**
         * The keys of its {@code [kind]} config section. The disk builder of the same kind shares the
         * section: a key both declare must be declared alike.
         */
        default List<Setting<?>> settings() {
            return List.of();
        }

        ImageSource open(PluginContext context);
    }

    String kind();

    /** Whether this source understands the reference as typed by a user. */
    boolean handles(String reference);

    /**
     * The reference as this source's index names it, for one typed by a user that it {@link #handles}:
     * {@code ubuntu} is {@code docker.io/library/ubuntu:latest} to an OCI source. Sources whose users
     * type exactly what the index holds keep the default.
     */
    default String canonical(String reference) {
        return reference;
    }

    /** Downloads, verifies and stores the image; returns what the index now says about it. */
    Image pull(String reference, PullOptions options, ProgressListener progress);

    /** Every image in this source's index. */
    List<Image> list();

    /** Removes the index entry; the files stay until {@link #files()} minus {@link #inUse()} says otherwise. */
    void delete(Image image);

    /**
     * Every file this source owns on disk (blobs, boot files), for the collector. A folder stands for
     * everything in it and is kept while any path {@link #inUse()} or a VM names lies inside it.
     */
    Set<Path> files();

    /** The files its index still references. */
    Set<Path> inUse();

    /**
     * What keeps a VM made from this image from booting, the most basic first; empty when nothing does, or when
     * the source cannot tell. {@code create} and {@code run} refuse an image with a problem before they write
     * anything, so the answer must come from what the source stored, without booting.
     */
    default List<BootProblem> bootProblems(Image image) {
        return List.of();
    }

    /**
     * The image as a kernel image (DESIGN §5c): a kernel and its modules, with an initrd that finds Cocoon's disks;
     * empty when it is not one. An image whose {@link #bootProblems} say {@link BootProblem.Kind#NO_KERNEL} boots
     * with it ({@link Image#withKernel}).
     */
    default Optional<KernelImage> kernelImage(Image image) {
        return Optional.empty();
    }

    /**
     * The reference that pulls exactly the content {@code image} names (its digest) again, for a snapshot landing on a
     * host that lacks the image: {@code registry/repository@sha256:...} for a registry image. Empty where no reference
     * pins content (a URL serves whatever it serves today): a snapshot of a VM made from such an image carries the
     * image's base with it instead, which {@link #landBase} stores.
     */
    default Optional<String> digestReference(VmRecord.ImageRef image) {
        return Optional.empty();
    }

    /**
     * Stores {@code base}, the base disk of {@code image} as it travelled with a snapshot from another host, as a pull
     * of the image would have stored it, checked as a download is, and indexes it under the image's reference unless a
     * pull here put other content there (a snapshot naming the base keeps it meanwhile). {@code base} lies under the
     * root dir's {@code tmp/}; the source may move it into its store, the runtime removes it if it is still there.
     * Returns the image as stored. Asked only of a source without {@link #digestReference}.
     */
    default Image landBase(VmRecord.ImageRef image, Path base, ProgressListener progress) {
        throw new UnsupportedOperationException(kind() + " images travel by digest reference, not with snapshots");
    }

    /** OCI artifacts in the registries this source pulls from (snapshot push and pull); empty when it has none. */
    default Optional<Artifacts> artifacts() {
        return Optional.empty();
    }

    /** Whether the source can work here (its tools are installed); feeds {@code cocoon doctor}. */
    Availability check();
}
