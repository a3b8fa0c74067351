package cocoon.runtime.testing;

import cocoon.api.Availability;
import cocoon.api.BootProblem;
import cocoon.api.BootSpec;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.Image;
import cocoon.api.ImageSource;
import cocoon.api.KernelImage;
import cocoon.api.NotFoundException;
import cocoon.api.PluginContext;
import cocoon.api.ProgressListener;
import cocoon.api.PullOptions;
import cocoon.api.VmRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/** An image source that holds what a test puts in it and remembers what the runtime asked it. */
public final class FakeSource implements ImageSource {

    private final String kind;
    private final Predicate<String> handles;
    private final UnaryOperator<String> canonical;
    private final List<Image> images = new ArrayList<>();
    /** The files it owns (those still on disk are listed) and those its index uses, as the collector asks for them. */
    public final Set<Path> files = new HashSet<>();

    public final Set<Path> inUse = new HashSet<>();
    /** The references the runtime asked the canonical form of. */
    public final List<String> canonicalAsked = new ArrayList<>();
    /** Runs when the collector lists the files, that is while it holds its locks. */
    public Runnable whileCollecting = () -> {};
    /** What {@link #bootProblems} answers for every image. */
    public List<BootProblem> problems = List.of();
    /** The images that are kernel images, by reference; they have no boot problems. */
    public final Map<String, KernelImage> kernels = new HashMap<>();
    /** What the runtime opened it with. */
    public PluginContext context;
    /** What a pull finds, by reference, as a registry would hold it; a pull of any other reference fails. */
    public final Map<String, Image> pullable = new HashMap<>();
    /** Whether a reference here pins content by digest ({@link #digestReference}), as a registry's does. */
    public boolean pullsByDigest;
    /** Where {@link #landBase} keeps the bases that came with snapshots. */
    public Path baseStore;

    /** A source that handles what {@code handles} accepts and keeps the default canonical form. */
    public FakeSource(String kind, Predicate<String> handles) {
        this(kind, handles, null);
    }

    public FakeSource(String kind, Predicate<String> handles, UnaryOperator<String> canonical) {
        this.kind = kind;
        this.handles = handles;
        this.canonical = canonical;
    }

    public ImageSource.Provider provider() {
        return new ImageSource.Provider() {
            @Override
            public String kind() {
                return kind;
            }

            @Override
            public ImageSource open(PluginContext opened) {
                context = opened;
                return FakeSource.this;
            }
        };
    }

    /** Adds an index entry booting from firmware with no base disks. */
    public Image add(String reference, String digest) {
        Image image = new Image(kind, reference, digest, 1, Instant.EPOCH, BootSpec.firmware(), List.of());
        images.add(image);
        return image;
    }

    /** Adds an index entry that boots {@code boot} from {@code disks}. */
    public Image add(String reference, String digest, BootSpec boot, List<Disk> disks) {
        Image image = new Image(kind, reference, digest, 1, Instant.EPOCH, boot, disks);
        images.add(image);
        return image;
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public boolean handles(String reference) {
        return handles.test(reference);
    }

    @Override
    public String canonical(String reference) {
        canonicalAsked.add(reference);
        return canonical == null ? ImageSource.super.canonical(reference) : canonical.apply(reference);
    }

    @Override
    public Image pull(String reference, PullOptions options, ProgressListener progress) {
        Image image = pullable.get(reference);
        if (image == null) {
            throw new NotFoundException("the registry has no " + reference, "push it first");
        }
        images.add(image);
        return image;
    }

    @Override
    public Optional<String> digestReference(VmRecord.ImageRef image) {
        return pullsByDigest ? Optional.of(image.reference() + "@" + image.digest()) : Optional.empty();
    }

    /** Moves the base into {@link #baseStore} under the digest's hex and indexes it as a firmware-booting image. */
    @Override
    public Image landBase(VmRecord.ImageRef image, Path base, ProgressListener progress) {
        try {
            Path stored = Files.createDirectories(baseStore)
                    .resolve(image.digest().substring(image.digest().indexOf(':') + 1) + ".qcow2");
            Files.move(base, stored);
            return add(
                    image.reference(),
                    image.digest(),
                    BootSpec.firmware(),
                    List.of(new Disk(stored, DiskFormat.QCOW2, true, null, null)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<Image> list() {
        return List.copyOf(images);
    }

    @Override
    public void delete(Image image) {
        images.remove(image);
    }

    @Override
    public Set<Path> files() {
        whileCollecting.run();
        return files.stream().filter(Files::exists).collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public Set<Path> inUse() {
        return Set.copyOf(inUse);
    }

    @Override
    public Availability check() {
        return Availability.ok("fake source " + kind);
    }

    @Override
    public List<BootProblem> bootProblems(Image image) {
        return kernels.containsKey(image.reference()) ? List.of() : problems;
    }

    @Override
    public Optional<KernelImage> kernelImage(Image image) {
        return Optional.ofNullable(kernels.get(image.reference()));
    }
}
