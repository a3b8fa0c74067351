package cocoon.plugin.oci.image;

import cocoon.api.Artifacts;
import cocoon.api.Availability;
import cocoon.api.BootProblem;
import cocoon.api.BootSpec;
import cocoon.api.CocoonException;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.Image;
import cocoon.api.ImageSource;
import cocoon.api.KernelImage;
import cocoon.api.PluginContext;
import cocoon.api.ProgressEvent;
import cocoon.api.ProgressListener;
import cocoon.api.PullOptions;
import cocoon.api.StoreLock;
import cocoon.api.VmRecord;
import cocoon.plugin.oci.layer.ErofsLayerWriter;
import cocoon.plugin.oci.layer.ErofsWriter;
import cocoon.plugin.oci.layer.LayerArchive;
import cocoon.plugin.oci.layer.LayerConverter;
import cocoon.plugin.oci.layer.LayerListing;
import cocoon.plugin.oci.layer.LayerUnpacker;
import cocoon.plugin.oci.layer.RootFileSystem;
import cocoon.plugin.oci.layer.SpecialFiles;
import cocoon.plugin.oci.registry.DockerCredentials;
import cocoon.plugin.oci.registry.ManifestProbe;
import cocoon.plugin.oci.registry.OciReference;
import cocoon.plugin.oci.registry.PullSession;
import cocoon.plugin.oci.registry.RegistryCredential;
import cocoon.plugin.oci.registry.ResolvedManifest;
import cocoon.plugin.oci.store.IndexEntry;
import cocoon.plugin.oci.store.KernelModules;
import cocoon.plugin.oci.store.LayerRecord;
import cocoon.plugin.oci.store.OciStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

/** OCI registry images: pulled over the JDK's HTTP client, each layer stored once as an EROFS disk. */
public final class OciImageSource implements ImageSource {

    public static final String KIND = "oci";
    /** Virtio-blk serials hold 20 bytes: the layer is found in the guest by this prefix of its digest. */
    static final int SERIAL_HEX = 20;
    /** What the guest hook starts once the root is mounted, unless the command line says {@code init=}. */
    static final String INIT = "/sbin/init";

    private final PluginContext context;
    private final OciSettings settings;
    private final DockerCredentials credentials;
    private final OciStore store;
    private final HookInitrd hookInitrd;

    public OciImageSource(PluginContext context, OciSettings settings, DockerCredentials credentials) {
        this.context = context;
        this.settings = settings;
        this.credentials = credentials;
        this.store =
                new OciStore(context.rootDir(), context.json(), context.locks().own(OciStore.INDEX_LOCK));
        this.hookInitrd = HookInitrd.in(context.sharedDir());
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public boolean handles(String reference) {
        return OciReference.isReference(reference);
    }

    @Override
    public String canonical(String reference) {
        return OciReference.parse(reference).canonical();
    }

    @Override
    @SuppressWarnings("try") // the store lock is held for the block and released on close; the body never names it
    public Image pull(String text, PullOptions options, ProgressListener listener) {
        OciReference reference = OciReference.parse(text);
        if (options.caFile() != null) {
            // The pull's connections take the default HTTPS socket factory, jib's (artifacts) the process's
            // default TLS context; one cocoon process runs one pull command, whose --ca-file holds for all its images.
            SSLContext tls = options.tls();
            SSLContext.setDefault(tls);
            HttpsURLConnection.setDefaultSSLSocketFactory(tls.getSocketFactory());
        }
        ProgressListener progress = serialized(listener);
        Supplier<Optional<RegistryCredential>> credential = once(() -> credentials.forRegistry(reference));
        try (StoreLock.Held shared = context.locks().store().shared()) {
            if (!options.force()) {
                Optional<IndexEntry> current = upToDate(reference, options.insecure(), credential);
                if (current.isPresent()) {
                    progress.on(ProgressEvent.message(
                            reference.canonical(),
                            "up to date: " + current.get().manifestDigest() + " is in the store"));
                    return image(current.get());
                }
            }
            PullSession session = PullSession.open(reference, options.insecure(), credential);
            ResolvedManifest manifest = session.resolve();
            DiskPlan plan = DiskPlan.of(manifest.layers());
            progress.on(ProgressEvent.message(
                    reference.canonical(),
                    "manifest " + manifest.digest() + ", "
                            + manifest.layers().size() + " layers"
                            + (plan.merged().isEmpty()
                                    ? ""
                                    : ", the top " + plan.merged().size() + " merged into one disk")));
            LayerFetcher fetcher = fetcher(progress);
            fetcher.fetchAll(session, plan.own(), options.force(), progress);
            if (!plan.merged().isEmpty()) {
                fetcher.fetchMerged(session, plan.merged(), plan.mergedId(), options.force(), progress);
            }
            IndexEntry entry = indexEntry(reference, manifest, plan);
            store.put(entry);
            return image(entry);
        }
    }

    /**
     * The stored entry when the registry still names the same content: a digest reference needs no
     * request, a tag one HEAD. Layers are only checked to exist: they were verified when stored, and
     * are read-only since.
     */
    private Optional<IndexEntry> upToDate(
            OciReference reference, boolean insecure, Supplier<Optional<RegistryCredential>> credential) {
        IndexEntry entry = store.readIndex().images().get(reference.canonical());
        if (entry == null
                || entry.referenceDigest() == null
                || !entry.diskIds().stream().allMatch(store::hasLayer)) {
            return Optional.empty();
        }
        if (reference.digest() != null) {
            return Optional.of(entry).filter(stored -> reference.digest().equals(stored.referenceDigest()));
        }
        return ManifestProbe.currentDigest(reference, insecure, credential)
                .filter(entry.referenceDigest()::equals)
                .map(digest -> entry);
    }

    /**
     * A credential helper may be slow or prompt: it runs at most once per pull, and not at all for an
     * image already stored by digest or a warm re-pull the registry answers without asking for credentials.
     */
    private static Supplier<Optional<RegistryCredential>> once(Supplier<Optional<RegistryCredential>> lookup) {
        AtomicReference<Optional<RegistryCredential>> found = new AtomicReference<>();
        return () -> {
            if (found.get() == null) {
                found.set(lookup.get());
            }
            return found.get();
        };
    }

    private LayerFetcher fetcher(ProgressListener progress) {
        var processes = context.processes();
        var limits = settings.limits();
        LayerConverter converter = new LayerConverter(
                new LayerArchive(processes, limits, settings.toolTimeout()),
                new LayerUnpacker(
                        new SpecialFiles(processes),
                        limits,
                        notice -> progress.on(ProgressEvent.message("unpack", notice))),
                new ErofsWriter(processes, settings.erofsCompression(), settings.toolTimeout()),
                new ErofsLayerWriter(limits, notice -> progress.on(ProgressEvent.message("unpack", notice))),
                hookInitrd.modules());
        return new LayerFetcher(store, converter, context.tmpDir(), settings.parallelDownloads());
    }

    /**
     * The kernel is the topmost disk's {@code /boot/vmlinuz*}; the initrd likewise the topmost one, or, for a kernel
     * image that carries none, Cocoon's own with the modules of the topmost disk's module tree.
     */
    private IndexEntry indexEntry(OciReference reference, ResolvedManifest manifest, DiskPlan plan) {
        List<LayerRecord> layers = manifest.layers().stream()
                .map(layer -> new LayerRecord(layer.digest(), layer.size()))
                .toList();
        List<String> disks = plan.diskIds();
        String kernel = topmostBootFile(disks, "vmlinuz");
        String initrd = topmostBootFile(disks, "initrd");
        Optional<String> moduleDisk = disks.reversed().stream()
                .filter(hex -> store.kernelModules(hex).isPresent())
                .findFirst();
        KernelModules modules = moduleDisk.flatMap(store::kernelModules).orElse(null);
        if (kernel != null && initrd == null && moduleDisk.isPresent()) {
            initrd = hookInitrd
                    .writeWith(
                            store.moduleArchive(moduleDisk.get()),
                            store.cocoonInitrd(moduleDisk.get()),
                            context.tmpDir())
                    .map(file -> store.dir().relativize(file).toString())
                    .orElse(null);
        }
        IndexEntry draft = new IndexEntry(
                reference.canonical(),
                manifest.digest(),
                manifest.referenceDigest(),
                layers,
                kernel,
                initrd,
                0,
                Instant.now(),
                disks,
                manifest.config().architecture(),
                hasInit(disks),
                modules,
                manifest.config().run());
        long size = 0;
        for (Path file : store.filesOf(draft)) {
            size += sizeOf(file);
        }
        return new IndexEntry(
                draft.reference(),
                draft.manifestDigest(),
                draft.referenceDigest(),
                layers,
                kernel,
                initrd,
                size,
                draft.created(),
                disks,
                draft.architecture(),
                draft.init(),
                modules,
                draft.config());
    }

    /** Whether the stacked disks hold an executable {@code /sbin/init}; null when a disk predates listings. */
    private Boolean hasInit(List<String> disks) {
        List<LayerListing> listings = new ArrayList<>();
        for (String disk : disks) {
            Path file = store.listing(disk);
            if (!Files.isRegularFile(file)) {
                return null;
            }
            try {
                listings.add(LayerListing.read(file));
            } catch (IOException e) {
                throw new CocoonException(
                        "cannot read the listing of disk " + disk + ": " + e.getMessage(),
                        "pull the image again with --force");
            }
        }
        return new RootFileSystem(listings).executable(INIT);
    }

    private String topmostBootFile(List<String> disks, String name) {
        for (int i = disks.size() - 1; i >= 0; i--) {
            Path file = store.bootDir(disks.get(i)).resolve(name);
            if (Files.isRegularFile(file)) {
                return store.dir().relativize(file).toString();
            }
        }
        return null;
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new CocoonException(
                    "a stored file vanished during the pull: " + file,
                    "another Cocoon command may have removed it; pull again");
        }
    }

    private Image image(IndexEntry entry) {
        BootSpec boot = entry.kernel() == null
                ? BootSpec.firmware()
                : BootSpec.kernel(
                        store.dir().resolve(entry.kernel()),
                        entry.initrd() == null ? null : store.dir().resolve(entry.initrd()),
                        "");
        return new Image(
                KIND,
                entry.reference(),
                entry.manifestDigest(),
                entry.sizeBytes(),
                entry.created(),
                boot,
                baseDisks(entry.diskIds()),
                entry.config());
    }

    /** The stored disks, bottom first, each found in the guest by a prefix of its id. */
    private List<Disk> baseDisks(List<String> disks) {
        return disks.stream()
                .map(hex -> new Disk(store.erofs(hex), DiskFormat.RAW, true, hex.substring(0, SERIAL_HEX), null))
                .toList();
    }

    /**
     * Told from what the pull recorded; an entry from an older release that did not record the architecture
     * or the listings is not refused for them.
     */
    @Override
    public List<BootProblem> bootProblems(Image image) {
        IndexEntry entry = store.readIndex().images().get(image.reference());
        if (entry == null) {
            return List.of();
        }
        List<BootProblem> problems = new ArrayList<>();
        String host = hostArchitecture();
        if (entry.architecture() != null && !entry.architecture().equals(host)) {
            problems.add(new BootProblem(
                    BootProblem.Kind.WRONG_ARCHITECTURE,
                    "is built for " + entry.architecture() + " and this host runs " + host + " VMs",
                    "pull a linux/" + host + " build of it"));
        }
        if (entry.kernel() == null) {
            problems.add(new BootProblem(
                    BootProblem.Kind.NO_KERNEL,
                    "carries no kernel (no /boot/vmlinuz-* in its layers)",
                    "guest/build-kernel-image.sh builds a kernel image; or build a VM image as guest/build-oci-demo.sh"
                            + " does"));
        }
        if (Boolean.FALSE.equals(entry.init())) {
            problems.add(new BootProblem(
                    BootProblem.Kind.NO_INIT,
                    "has no " + INIT + " in its layers (symlinks followed), which the VM would run",
                    "add an init to the image, as guest/build-oci-demo.sh does (see guest/README.md)"));
        }
        return problems;
    }

    /**
     * A kernel, the module tree of its version and an initrd (its own, or Cocoon's made at pull) make a kernel image;
     * an entry from before kernel images were recorded is none until pulled again.
     */
    @Override
    public Optional<KernelImage> kernelImage(Image image) {
        IndexEntry entry = store.readIndex().images().get(image.reference());
        if (entry == null || entry.kernel() == null || entry.initrd() == null || entry.kernelModules() == null) {
            return Optional.empty();
        }
        return Optional.of(new KernelImage(
                entry.kernelModules().version(), entry.kernelModules().missing()));
    }

    /** The host's CPU in OCI's words: Java says {@code amd64} and {@code aarch64}, OCI {@code amd64} and {@code arm64}. */
    static String hostArchitecture() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> arch;
        };
    }

    @Override
    public List<Image> list() {
        return store.readIndex().images().values().stream().map(this::image).toList();
    }

    @Override
    @SuppressWarnings("try") // the store lock is held for the block and released on close; the body never names it
    public void delete(Image image) {
        try (StoreLock.Held shared = context.locks().store().shared()) {
            store.remove(image.reference());
        }
    }

    @Override
    public Set<Path> files() {
        return store.files();
    }

    @Override
    public Set<Path> inUse() {
        Set<Path> used = new HashSet<>();
        store.readIndex().images().values().forEach(entry -> used.addAll(store.filesOf(entry)));
        return used;
    }

    @Override
    public Optional<Artifacts> artifacts() {
        return Optional.of(new OciArtifacts(credentials));
    }

    @Override
    public Optional<String> digestReference(VmRecord.ImageRef image) {
        return Optional.of(OciArtifacts.byDigest(image.reference(), image.digest()));
    }

    @Override
    public Availability check() {
        List<String> missing = new ArrayList<>();
        Map<String, String> packages = new LinkedHashMap<>();
        packages.put("mkfs.erofs", "erofs-utils");
        packages.put("setfattr", "attr");
        packages.put("mknod", "coreutils");
        packages.put("zstd", "zstd");
        packages.put("prlimit", "util-linux");
        packages.forEach((program, pkg) -> {
            if (context.processes().which(program).isEmpty()) {
                missing.add(program + " (apt-get install " + pkg + ")");
            }
        });
        return missing.isEmpty()
                ? Availability.ok("mkfs.erofs, setfattr, mknod, zstd and prlimit found; create refuses images with no "
                        + "kernel (and no kernel image given), no " + INIT + " or not built for " + hostArchitecture()
                        + (hookInitrd.base() == null
                                ? "; no " + HookInitrd.BASE + " in the installation's share/: kernel images pulled now"
                                        + " get no initrd"
                                : ""))
                : Availability.missing("missing " + String.join(", ", missing));
    }

    /** Layers report from several threads; the listener sees one event at a time. */
    private static ProgressListener serialized(ProgressListener listener) {
        return event -> {
            synchronized (listener) {
                listener.on(event);
            }
        };
    }
}
