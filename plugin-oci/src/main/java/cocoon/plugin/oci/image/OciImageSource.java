package cocoon.plugin.oci.image;

import cocoon.api.Availability;
import cocoon.api.BootSpec;
import cocoon.api.CocoonException;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.Image;
import cocoon.api.ImageSource;
import cocoon.api.PluginContext;
import cocoon.api.ProgressEvent;
import cocoon.api.ProgressListener;
import cocoon.api.PullOptions;
import cocoon.api.StoreLock;
import cocoon.plugin.oci.layer.ErofsWriter;
import cocoon.plugin.oci.layer.LayerArchive;
import cocoon.plugin.oci.layer.LayerConverter;
import cocoon.plugin.oci.layer.LayerUnpacker;
import cocoon.plugin.oci.layer.SpecialFiles;
import cocoon.plugin.oci.registry.DockerCredentials;
import cocoon.plugin.oci.registry.ManifestProbe;
import cocoon.plugin.oci.registry.OciReference;
import cocoon.plugin.oci.registry.RegistryCredential;
import cocoon.plugin.oci.registry.RegistrySession;
import cocoon.plugin.oci.registry.ResolvedManifest;
import cocoon.plugin.oci.store.IndexEntry;
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

/** OCI registry images: pulled with jib-core, each layer stored once as an EROFS disk. */
public final class OciImageSource implements ImageSource {

    public static final String KIND = "oci";
    /** Virtio-blk serials hold 20 bytes: the layer is found in the guest by this prefix of its digest. */
    static final int SERIAL_HEX = 20;

    private final PluginContext context;
    private final OciSettings settings;
    private final DockerCredentials credentials;
    private final OciStore store;

    public OciImageSource(PluginContext context, OciSettings settings, DockerCredentials credentials) {
        this.context = context;
        this.settings = settings;
        this.credentials = credentials;
        this.store =
                new OciStore(context.rootDir(), context.json(), context.locks().own(OciStore.INDEX_LOCK));
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
            // jib's HTTPS transport takes the process's default TLS context, the manifest probe and the TLS
            // preflight the default HTTPS socket factory; one cocoon process runs one pull command, whose
            // --ca-file holds for all its images.
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
            ResolvedManifest manifest;
            try (RegistrySession session = RegistrySession.open(reference, options.insecure(), credential.get())) {
                manifest = session.resolve();
                progress.on(ProgressEvent.message(
                        reference.canonical(),
                        "manifest " + manifest.digest() + ", "
                                + manifest.layers().size() + " layers"));
                fetcher(progress).fetchAll(session, manifest.layers(), options.force(), progress);
            }
            IndexEntry entry = indexEntry(reference, manifest);
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
                || !entry.layers().stream().allMatch(layer -> store.hasLayer(layer.hex()))) {
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
                new ErofsWriter(processes, settings.erofsCompression(), settings.toolTimeout()));
        return new LayerFetcher(store, converter, context.tmpDir(), settings.parallelDownloads());
    }

    /** The kernel is the topmost layer's {@code /boot/vmlinuz*}; the initrd likewise the topmost one. */
    private IndexEntry indexEntry(OciReference reference, ResolvedManifest manifest) {
        List<LayerRecord> layers = manifest.layers().stream()
                .map(layer -> new LayerRecord(layer.digest(), layer.size()))
                .toList();
        String kernel = topmostBootFile(layers, "vmlinuz");
        String initrd = topmostBootFile(layers, "initrd");
        IndexEntry draft = new IndexEntry(
                reference.canonical(),
                manifest.digest(),
                manifest.referenceDigest(),
                layers,
                kernel,
                initrd,
                0,
                Instant.now());
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
                draft.created());
    }

    private String topmostBootFile(List<LayerRecord> layers, String name) {
        for (int i = layers.size() - 1; i >= 0; i--) {
            Path file = store.bootDir(layers.get(i).hex()).resolve(name);
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
                baseDisks(entry.layers()));
    }

    /**
     * One read-only disk per layer, bottom first. A layer listed twice keeps only its topmost place:
     * the overlay it builds is the same, and each serial then names one disk.
     */
    private List<Disk> baseDisks(List<LayerRecord> layers) {
        Map<String, LayerRecord> topmost = new LinkedHashMap<>();
        for (int i = layers.size() - 1; i >= 0; i--) {
            topmost.putIfAbsent(layers.get(i).hex(), layers.get(i));
        }
        List<Disk> disks = new ArrayList<>();
        topmost.values()
                .forEach(layer -> disks.add(
                        0,
                        new Disk(
                                store.erofs(layer.hex()),
                                DiskFormat.RAW,
                                true,
                                layer.hex().substring(0, SERIAL_HEX),
                                null)));
        return disks;
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
                ? Availability.ok("mkfs.erofs, setfattr, mknod, zstd and prlimit found")
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
