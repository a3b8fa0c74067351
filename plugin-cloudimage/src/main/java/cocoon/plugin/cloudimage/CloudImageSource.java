package cocoon.plugin.cloudimage;

import cocoon.api.Availability;
import cocoon.api.BootProblem;
import cocoon.api.BootSpec;
import cocoon.api.DigestMismatchException;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.Image;
import cocoon.api.ImageSource;
import cocoon.api.InvalidInputException;
import cocoon.api.NotFoundException;
import cocoon.api.PluginContext;
import cocoon.api.ProgressEvent;
import cocoon.api.ProgressListener;
import cocoon.api.PullOptions;
import cocoon.api.StoreLock;
import cocoon.api.ToolException;
import cocoon.api.VmRecord;
import cocoon.plugin.cloudimage.download.Checksums;
import cocoon.plugin.cloudimage.download.Downloader;
import cocoon.plugin.cloudimage.download.PartFile;
import cocoon.plugin.cloudimage.qemu.ImageInfo;
import cocoon.plugin.cloudimage.qemu.ImageSniffer;
import cocoon.plugin.cloudimage.qemu.PartitionTable;
import cocoon.plugin.cloudimage.qemu.QemuImg;
import cocoon.plugin.cloudimage.qemu.SourceFormat;
import cocoon.plugin.cloudimage.store.CloudImageStore;
import cocoon.plugin.cloudimage.store.IndexEntry;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Cloud disk images by URL. A pull downloads into {@code <root>/tmp}, checks the bytes (checksum,
 * format, no references to host files), converts to qcow2 when needed, and only then commits the
 * base under {@code images/cloudimg/blobs/<sha256>.qcow2} and records the URL in the index.
 */
final class CloudImageSource implements ImageSource {

    private final PluginContext context;
    private final CloudImageSettings settings;
    private final CloudImageStore store;
    private final QemuImg qemuImg;

    CloudImageSource(PluginContext context, CloudImageSettings settings) {
        this.context = context;
        this.settings = settings;
        this.store = new CloudImageStore(context);
        this.qemuImg = new QemuImg(context.processes(), settings.convertTimeout());
    }

    @Override
    public String kind() {
        return CloudImageSourceProvider.KIND;
    }

    @Override
    public boolean handles(String reference) {
        String lower = reference.toLowerCase(Locale.ROOT);
        return lower.startsWith("http://") || lower.startsWith("https://");
    }

    /** The index keys a URL as a pull checked it, so the same spelling finds it. */
    @Override
    public String canonical(String reference) {
        return checkedUrl(reference);
    }

    @Override
    @SuppressWarnings("try") // the store lock is held for its scope, not used in it
    public Image pull(String reference, PullOptions options, ProgressListener progress) {
        String url = checkedUrl(reference);
        String item = fileName(url);
        Downloader downloader = new Downloader(settings.http(), settings.limits(), options::tls);
        try (StoreLock.Held shared = store.shareStore()) {
            String expected = expectedDigest(url, options, downloader);
            try (PartFile part = PartFile.open(context.tmpDir(), url, context.json())) {
                Optional<IndexEntry> known = store.entry(url).filter(e -> Files.exists(store.blob(e.hex())));
                if (options.force()) {
                    part.restart();
                }
                Downloader.Stored stored = options.force()
                        ? null
                        : known.map(e -> new Downloader.Stored(e.etag(), e.lastModified()))
                                .orElse(null);
                Downloader.Outcome outcome = downloader.fetch(url, part, stored, item, progress);
                if (outcome instanceof Downloader.Outcome.Fetched fetched) {
                    return toImage(accept(url, item, fetched, expected, part, progress));
                }
                part.discard();
                IndexEntry current = known.orElseThrow();
                if (expected != null && !expected.equals(current.hex())) {
                    throw new DigestMismatchException(url, "sha256:" + expected, current.digest());
                }
                return toImage(current);
            }
        }
    }

    /** Verifies, converts and commits a complete download; on any failure the store is as it was. */
    private IndexEntry accept(
            String url,
            String item,
            Downloader.Outcome.Fetched fetched,
            String expected,
            PartFile part,
            ProgressListener progress) {
        Path converted = null;
        try {
            if (expected != null && !expected.equals(fetched.sha256Hex())) {
                throw new DigestMismatchException(url, "sha256:" + expected, "sha256:" + fetched.sha256Hex());
            }
            SourceFormat format = ImageSniffer.sniff(fetched.file(), url);
            Path blob = store.blob(fetched.sha256Hex());
            ImageInfo info;
            if (Files.exists(blob)) {
                progress.on(ProgressEvent.message(item, "same bytes as a stored image; sharing its base"));
                info = qemuImg.info(blob, SourceFormat.QCOW2);
            } else {
                Path candidate = fetched.file();
                if (format != SourceFormat.QCOW2) {
                    if (format != SourceFormat.RAW) {
                        qemuImg.selfContained(fetched.file(), format, url);
                    }
                    progress.on(ProgressEvent.message(item, "converting " + format.qemuName() + " to qcow2"));
                    // A name of its own: a qemu-img orphaned by a killed pull of the same URL may still write to its
                    // target.
                    converted =
                            Files.createTempFile(context.tmpDir(), part.path().getFileName() + "-", ".qcow2");
                    try {
                        qemuImg.convertToQcow2(fetched.file(), format, converted);
                    } catch (ToolException e) {
                        throw StorageException.of(e, context.tmpDir());
                    }
                    candidate = converted;
                }
                info = qemuImg.selfContained(candidate, SourceFormat.QCOW2, url);
                store.commitBlob(candidate, fetched.sha256Hex());
            }
            IndexEntry entry = new IndexEntry(
                    url,
                    "sha256:" + fetched.sha256Hex(),
                    fetched.bytes(),
                    format.qemuName(),
                    Files.size(blob),
                    info.virtualSize(),
                    fetched.etag(),
                    fetched.lastModified(),
                    Instant.now(),
                    lacksEfiPartition(blob, fetched.sha256Hex()));
            store.update(index -> index.with(entry));
            progress.on(ProgressEvent.message(item, "stored as " + entry.digest()));
            return entry;
        } catch (IOException e) {
            throw StorageException.of(
                    "cannot store the image converted in",
                    context.tmpDir(),
                    e,
                    "check permissions and free space under the root dir, then pull again");
        } finally {
            part.discard();
            if (converted != null) {
                deleteQuietly(converted);
            }
        }
    }

    /**
     * The base of a cloud image that came with a snapshot: what {@link #accept} stores for a download, checked the same
     * way (a qcow2 that names no file of this host), under the digest the exporting host's pull recorded. The URL keeps
     * the content a pull here gave it, if any; the snapshot's record then keeps the base alive.
     */
    @Override
    @SuppressWarnings("try") // the store lock is held for its scope, not used in it
    public Image landBase(VmRecord.ImageRef image, Path base, ProgressListener progress) {
        String url = checkedUrl(image.reference());
        if (!image.digest().matches("sha256:[0-9a-f]{64}")) {
            throw new InvalidInputException(
                    "the snapshot names cloud image " + url + " by " + image.digest() + ", which is no sha256 digest",
                    "export the snapshot again with a release of Cocoon that wrote it");
        }
        String hex = image.digest().substring("sha256:".length());
        String item = fileName(url);
        try (StoreLock.Held shared = store.shareStore()) {
            Optional<IndexEntry> pulled = store.read().images().values().stream()
                    .filter(entry -> entry.digest().equals(image.digest()) && Files.exists(store.blob(hex)))
                    .findFirst();
            if (pulled.isPresent()) {
                return toImage(pulled.get());
            }
            Path blob = store.blob(hex);
            ImageInfo info;
            if (Files.exists(blob)) {
                info = qemuImg.info(blob, SourceFormat.QCOW2);
            } else {
                String source = "the base of " + url + " that came with the snapshot";
                if (ImageSniffer.sniff(base, source) != SourceFormat.QCOW2) {
                    throw new InvalidInputException(
                            source + " is not a qcow2 disk, as every stored base is",
                            "export or push the snapshot again from the host that saved it");
                }
                info = qemuImg.selfContained(base, SourceFormat.QCOW2, source);
                store.commitBlob(base, hex);
            }
            IndexEntry entry = new IndexEntry(
                    url,
                    image.digest(),
                    0,
                    null,
                    Files.size(blob),
                    info.virtualSize(),
                    null,
                    null,
                    Instant.now(),
                    lacksEfiPartition(blob, hex));
            store.update(index -> index.images().containsKey(url) ? index : index.with(entry));
            progress.on(
                    ProgressEvent.message(item, "stored the base that came with the snapshot as " + entry.digest()));
            return toImage(entry);
        } catch (IOException e) {
            throw StorageException.of(
                    "cannot store the base that came with the snapshot in",
                    store.blobsDir(),
                    e,
                    "check permissions and free space under the root dir");
        }
    }

    private String expectedDigest(String url, PullOptions options, Downloader downloader) {
        if (options.checksum() != null) {
            return Checksums.parseOption(options.checksum());
        }
        if (options.checksumUrl() == null) {
            return null;
        }
        String sumsUrl = checkedUrl(options.checksumUrl());
        String name = fileName(url);
        return Checksums.find(downloader.fetchText(sumsUrl), name)
                .orElseThrow(() -> new NotFoundException(
                        sumsUrl + " lists no sha256 for " + name,
                        "check that the checksum file belongs to this image"));
    }

    @Override
    public List<Image> list() {
        List<Image> images = new ArrayList<>();
        for (IndexEntry entry : store.read().images().values()) {
            images.add(toImage(entry));
        }
        return images;
    }

    @Override
    @SuppressWarnings("try") // the store lock is held for its scope, not used in it
    public void delete(Image image) {
        try (StoreLock.Held shared = store.shareStore()) {
            store.update(index -> {
                if (!index.images().containsKey(image.reference())) {
                    throw new NotFoundException(
                            "no cloud image " + image.reference(), "cocoon list shows what is stored");
                }
                return index.without(image.reference());
            });
        }
    }

    @Override
    public Set<Path> files() {
        return store.blobFiles();
    }

    @Override
    public Set<Path> inUse() {
        return store.read().images().values().stream()
                .map(entry -> store.blob(entry.hex()))
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * UEFI firmware boots only from an EFI system partition: a cloud image none of whose disks has one would sit in
     * the firmware forever. A disk whose table cannot be read whole, or one pulled by a release that did not look, is
     * given the benefit of the doubt.
     */
    @Override
    public List<BootProblem> bootProblems(Image image) {
        IndexEntry entry = store.read().images().get(image.reference());
        if (entry == null || !Boolean.TRUE.equals(entry.lacksEfiPartition())) {
            return List.of();
        }
        return List.of(new BootProblem(
                BootProblem.Kind.NO_EFI_PARTITION,
                "has no EFI system partition on its disk, so the UEFI firmware would find nothing to boot",
                "use a UEFI cloud image (a GPT disk with an ESP, type C12A7328-F81F-11D2-BA4B-00A0C93EC93B)"));
    }

    /** Read at pull, when the base is stored: the partition table is part of the bytes the digest names. */
    private boolean lacksEfiPartition(Path blob, String hex) {
        try {
            return PartitionTable.EfiPartition.ABSENT
                    == PartitionTable.efiPartition(qemuImg.head(
                            blob,
                            SourceFormat.QCOW2,
                            PartitionTable.HEAD_BYTES,
                            context.tmpDir()
                                    .resolve("esp-" + hex.substring(0, 12) + "-"
                                            + ProcessHandle.current().pid())));
        } catch (ToolException e) {
            throw StorageException.of(e, context.tmpDir());
        }
    }

    /** Checks and conversions run qemu-img; the seed disk's tools are the disk builder's to check. */
    @Override
    public Availability check() {
        return context.processes()
                .which("qemu-img")
                .map(found -> Availability.ok(
                        "qemu-img found at " + found + "; create refuses images with no EFI system partition"))
                .orElseGet(() -> Availability.missing("missing qemu-img (apt-get install qemu-utils)"));
    }

    private Image toImage(IndexEntry entry) {
        Disk base = new Disk(store.blob(entry.hex()), DiskFormat.QCOW2, true, null, null);
        return new Image(
                kind(),
                entry.url(),
                entry.digest(),
                entry.blobBytes(),
                entry.created(),
                BootSpec.firmware(),
                List.of(base));
    }

    private static String checkedUrl(String reference) {
        try {
            URI uri = new URI(reference.strip());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((!scheme.equals("http") && !scheme.equals("https")) || uri.getHost() == null) {
                throw new URISyntaxException(reference, "not an http:// or https:// URL with a host");
            }
            return uri.toString();
        } catch (URISyntaxException e) {
            throw new InvalidInputException(
                    "bad image URL " + reference + ": " + e.getReason(),
                    "use an http:// or https:// URL of a disk image");
        }
    }

    /** The last path segment, as checksum files list images and progress lines name them. */
    private static String fileName(String url) {
        String path = URI.create(url).getRawPath();
        String last = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
        return last.isEmpty() ? URI.create(url).getHost() : URLDecoder.decode(last, StandardCharsets.UTF_8);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // A leftover in tmp/ is garbage the collector removes.
        }
    }
}
