package cocoon.runtime.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.Artifacts;
import cocoon.api.BootSpec;
import cocoon.api.CocoonException;
import cocoon.api.ConflictException;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.NotFoundException;
import cocoon.api.ProgressListener;
import cocoon.api.VmRecord;
import cocoon.api.VmSpec;
import cocoon.api.VmState;
import cocoon.runtime.host.HostProcesses;
import cocoon.runtime.images.ImageCatalog;
import cocoon.runtime.plugin.PluginCatalog;
import cocoon.runtime.store.AtomicJsonFiles;
import cocoon.runtime.store.Json;
import cocoon.runtime.testing.FakeDiskBuilder;
import cocoon.runtime.testing.FakeHypervisor;
import cocoon.runtime.testing.FakeSource;
import cocoon.runtime.testing.TestRoot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot exported on one host and imported on another whose image store lies elsewhere, and exports an import
 * must refuse without storing anything: a flipped byte, member names that climb out, sizes that lie, links, a name
 * that is taken, an image that is neither pulled nor to be had by digest. A missing image comes back from its registry
 * by digest; a cloud image's base travels with the snapshot (once per repository when pushed) and lands in the image's
 * store.
 */
class SnapshotExportImportTest {

    private static final String DIGEST = "sha256:" + "a".repeat(64);
    private static final String CLOUD_URL = "http://images.example/cloud.qcow2";
    private static final String CLOUD_DIGEST = "sha256:" + "c".repeat(64);
    private static final long DISK_SIZE = 64L << 20;
    private static final long MARKER_AT = 40L << 20;

    @TempDir
    Path dir;

    private Host here;
    private Host there;
    private SnapshotRecord saved;
    private byte[] memory;

    /** A root with its own image source holding {@code img/demo}, whose layer and kernel lie under that root. */
    private static final class Host {
        final TestRoot root;
        final FakeSource source = new FakeSource("img", ref -> !ref.startsWith("http"));
        /** Cloud images, whose bases travel with snapshots: {@code images/cloud/} holds them. */
        final FakeSource cloud = new FakeSource("cloud", ref -> ref.startsWith("http"));

        final SnapshotStore store;
        final SnapshotImport importer;
        final Path layer;
        final Path kernel;

        Host(Path dir) throws IOException {
            root = new TestRoot(dir);
            Path images = Files.createDirectories(root.root.resolve("images/img"));
            layer = Files.writeString(images.resolve("layer.erofs"), "layer");
            kernel = Files.writeString(images.resolve("vmlinuz"), "kernel");
            source.add(
                    "img/demo",
                    DIGEST,
                    BootSpec.kernel(kernel, null, ""),
                    List.of(new Disk(layer, DiskFormat.RAW, true, "layer-aaaa", null)));
            cloud.baseStore = root.root.resolve("images/cloud");
            PluginCatalog catalog = PluginCatalog.of(
                    List.of(source.provider(), cloud.provider()),
                    List.of(new FakeDiskBuilder("img").provider(), new FakeDiskBuilder("cloud").provider()),
                    List.of(new FakeHypervisor("fake", 1, true).provider()));
            store = new SnapshotStore(root.root, root.locks(), new AtomicJsonFiles());
            imageCatalog = new ImageCatalog(root.plugins(catalog));
            importer = new SnapshotImport(store, imageCatalog, ProgressListener.SILENT);
        }

        final ImageCatalog imageCatalog;

        List<Path> snapshotFolders() throws IOException {
            if (!Files.isDirectory(store.dir())) {
                return List.of();
            }
            try (Stream<Path> folders = Files.list(store.dir())) {
                return folders.toList();
            }
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        here = new Host(dir.resolve("here"));
        there = new Host(dir.resolve("there"));
        saved = saveMemorySnapshot(here, "warm");
    }

    /**
     * A snapshot as a save leaves it: a sparse COW disk with one marker far in, and a memory state folder (the
     * driver decides what is in it).
     */
    private SnapshotRecord saveMemorySnapshot(Host host, String name) throws IOException {
        String id = Snapshots.newId();
        Path folder = host.store.create(id);
        Path cow = folder.resolve("cow.raw");
        try (RandomAccessFile file = new RandomAccessFile(cow.toFile(), "rw")) {
            file.setLength(DISK_SIZE);
            file.seek(MARKER_AT);
            file.write("42-disk".getBytes(StandardCharsets.UTF_8));
        }
        Path state = Files.createDirectories(folder.resolve("state"));
        memory = new byte[300_000];
        new Random(7).nextBytes(memory);
        Files.write(state.resolve("memory"), memory);
        Files.writeString(state.resolve("config.json"), "{}");
        VmSpec spec = new VmSpec(
                "source",
                1,
                256L << 20,
                DISK_SIZE,
                "fake",
                Map.of(),
                new VmSpec.CloudInit("c", "c", List.of(), List.of()));
        VmRecord vm = new VmRecord(
                "0123456789abcdef",
                "source",
                VmState.RUNNING,
                spec,
                new VmRecord.ImageRef("img", "img/demo", DIGEST),
                BootSpec.kernel(host.kernel, null, "cocoon.cow=cocoon-cow"),
                List.of(),
                Instant.EPOCH,
                null,
                0,
                null,
                null);
        SnapshotRecord record = new SnapshotRecord(
                id,
                name,
                Instant.parse("2026-12-02T10:00:00Z"),
                vm,
                List.of(
                        new Disk(host.layer, DiskFormat.RAW, true, "layer-aaaa", null),
                        new Disk(cow, DiskFormat.RAW, false, "cocoon-cow", null)),
                state,
                null);
        host.store.commit(record);
        return record;
    }

    private byte[] export(Host host, String name) {
        return export(host, name, true);
    }

    private static byte[] export(Host host, String name, boolean withBase) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new SnapshotExport(host.store, host.imageCatalog).write(name, out, withBase);
        return out.toByteArray();
    }

    private static Path cow(SnapshotRecord record) {
        return record.disks().get(1).path();
    }

    @Test
    void aSnapshotImportedOnAnotherHostHasItsFilesAndThisHostsImageFiles() throws IOException {
        byte[] export = export(here, "warm");

        SnapshotRecord imported = there.importer.read(new ByteArrayInputStream(export), "warm.tar", null);

        Path folder = there.store.folder(imported.id());
        assertEquals(saved.id(), imported.id());
        assertEquals(
                List.of("warm"),
                there.store.list().stream().map(SnapshotRecord::name).toList());
        assertEquals(folder.resolve("cow.raw"), cow(imported));
        assertEquals(folder.resolve("state"), imported.memoryState());
        assertEquals(there.layer, imported.disks().get(0).path(), "the layer is this host's copy");
        assertEquals(there.kernel, imported.vm().boot().kernel(), "the kernel is this host's copy");
        assertEquals("cocoon.cow=cocoon-cow", imported.vm().boot().cmdline());
        assertArrayEquals(Files.readAllBytes(cow(saved)), Files.readAllBytes(cow(imported)));
        assertArrayEquals(memory, Files.readAllBytes(folder.resolve("state/memory")));
        assertEquals("{}", Files.readString(folder.resolve("state/config.json")));
        for (Path file : List.of(folder.resolve("cow.raw"), folder.resolve("state/memory"))) {
            assertEquals(
                    "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file.toString());
        }
        assertEquals(
                "rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder.resolve("state"))));
    }

    @Test
    void aSparseDiskTravelsAsItsDataAndLandsSparse() throws IOException {
        byte[] export = export(here, "warm");

        SnapshotRecord imported = there.importer.read(new ByteArrayInputStream(export), "warm.tar", null);

        assertTrue(export.length < 1 << 20, "a 64M disk with one block written exports as " + export.length + " bytes");
        assertEquals(DISK_SIZE, Files.size(cow(imported)));
        String du = new HostProcesses()
                .run(List.of("du", "--block-size=1", cow(imported).toString()), Duration.ofSeconds(10))
                .stdout();
        long allocated = Long.parseLong(du.substring(0, du.indexOf('\t')));
        assertTrue(allocated < 1 << 20, "the imported disk keeps its holes: " + allocated + " bytes allocated");
    }

    @Test
    void anIdTakenHereGivesTheImportANewOneAndATakenNameIsRefused() {
        byte[] export = export(here, "warm");

        ConflictException taken = assertThrows(
                ConflictException.class, () -> here.importer.read(new ByteArrayInputStream(export), "warm.tar", null));
        assertTrue(taken.getMessage().contains("a snapshot named 'warm' already exists"), taken.getMessage());
        SnapshotRecord renamed = here.importer.read(new ByteArrayInputStream(export), "warm.tar", "warm-2");

        assertNotEquals(saved.id(), renamed.id());
        assertEquals(here.store.folder(renamed.id()).resolve("cow.raw"), cow(renamed));
        assertEquals(
                List.of("warm", "warm-2"),
                here.store.list().stream().map(SnapshotRecord::name).sorted().toList());
    }

    @Test
    void oneFlippedByteIsRefusedInOneLineAndNothingIsStored() throws IOException {
        byte[] export = export(here, "warm");
        int marker = indexOf(export, "42-disk".getBytes(StandardCharsets.UTF_8));
        export[marker] ^= 1;

        refused(export, "member snapshot/cow.raw has sha256 ");
    }

    @Test
    void aMemberNameThatClimbsOutOfTheSnapshotIsRefused() throws IOException {
        byte[] listed = rewrite(
                export(here, "warm"),
                manifest -> manifest.replace("\"snapshot/cow.raw\"", "\"snapshot/../../cow.raw\""),
                member -> member.equals("snapshot/cow.raw") ? "snapshot/../../cow.raw" : member);
        refused(listed, "member name snapshot/../../cow.raw points outside the snapshot");

        byte[] unlisted = rewrite(
                export(here, "warm"),
                UnaryOperator.identity(),
                member -> member.equals("snapshot/cow.raw") ? "../cow.raw" : member);
        refused(unlisted, "member ../cow.raw is not in its manifest");
        assertFalse(Files.exists(there.store.dir().resolveSibling("cow.raw")));
    }

    @Test
    void aManifestWhoseSizesLieIsRefused() throws IOException {
        byte[] export = export(here, "warm");
        long size = manifestOf(export).members().stream()
                .filter(member -> member.name().equals("snapshot/cow.raw"))
                .findFirst()
                .orElseThrow()
                .size();
        byte[] lying = rewrite(
                export,
                manifest -> manifest.replace("\"size\" : " + size + ",", "\"size\" : " + (size - 1) + ","),
                UnaryOperator.identity());

        refused(lying, "member snapshot/cow.raw says " + (size - 1) + " bytes but its extents hold " + size);
    }

    @Test
    void aMemberLongerThanItsManifestSaysIsRefused() throws IOException {
        byte[] export = export(here, "warm");
        long size = manifestOf(export).members().stream()
                .filter(member -> member.name().equals("snapshot/cow.raw"))
                .findFirst()
                .orElseThrow()
                .size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(export));
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            TarArchiveEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                byte[] content = in.readAllBytes();
                if (entry.getName().equals("snapshot/cow.raw")) {
                    content = java.util.Arrays.copyOf(content, content.length + 1);
                }
                TarArchiveEntry copy = new TarArchiveEntry(entry.getName());
                copy.setSize(content.length);
                tar.putArchiveEntry(copy);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }

        refused(
                out.toByteArray(),
                "member snapshot/cow.raw holds " + (size + 1) + " bytes but its manifest says " + size);
    }

    @Test
    void aRecordThatNamesAFileOutsideTheExportIsRefused() throws IOException {
        byte[] export = rewrite(
                export(here, "warm"),
                manifest -> manifest.replace("\"memoryState\" : \"state\"", "\"memoryState\" : \"/etc/shadow\""),
                UnaryOperator.identity());

        refused(export, "its record names /etc/shadow, which is not a member");
    }

    @Test
    void aLinkMemberIsRefused() throws IOException {
        byte[] export = export(here, "warm");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(export));
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            TarArchiveEntry first = in.getNextEntry();
            tar.putArchiveEntry(first);
            tar.write(in.readAllBytes());
            tar.closeArchiveEntry();
            TarArchiveEntry link = new TarArchiveEntry("snapshot/cow.raw", TarConstants.LF_SYMLINK);
            link.setLinkName("/etc/shadow");
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
        }

        refused(out.toByteArray(), "member snapshot/cow.raw is a link or a folder");
    }

    @Test
    void aCutShortExportIsRefused() throws IOException {
        byte[] export = export(here, "warm");

        refused(java.util.Arrays.copyOf(export, export.length / 2), "");
    }

    @Test
    void anImageThatIsNotPulledHereComesBackFromItsRegistryByDigest() throws IOException {
        byte[] export = export(here, "warm");
        var image = there.source.list().getFirst();
        there.source.delete(image);
        there.source.pullsByDigest = true;
        there.source.pullable.put("img/demo@" + DIGEST, image);

        SnapshotRecord imported = there.importer.read(new ByteArrayInputStream(export), "warm.tar", null);

        assertEquals(List.of(image), there.source.list());
        assertEquals(there.layer, imported.disks().get(0).path());
        assertEquals(
                List.of("warm"),
                there.store.list().stream().map(SnapshotRecord::name).toList());
    }

    @Test
    void anImageItsRegistryLacksIsNamedInOneLineWithThePullByDigestAndNothingIsStored() throws IOException {
        byte[] export = export(here, "warm");
        there.source.delete(there.source.list().getFirst());
        there.source.pullsByDigest = true;

        NotFoundException missing = assertThrows(
                NotFoundException.class, () -> there.importer.read(new ByteArrayInputStream(export), "warm.tar", null));

        assertTrue(
                missing.getMessage()
                        .startsWith("snapshot warm needs the image img/demo (" + DIGEST + "), which is not pulled here,"
                                + " and fetching it by digest failed: the registry has no img/demo@" + DIGEST),
                missing.getMessage());
        assertEquals(
                "run cocoon pull img/demo@" + DIGEST + " where its registry can be reached, then import again",
                missing.hint());
        assertFalse(missing.getMessage().contains("\n"));
        assertEquals(List.of(), there.source.list());
        assertEquals(List.of(), there.snapshotFolders());
    }

    /**
     * A disk-only snapshot of a VM made from the cloud image: its overlay (in the snapshot) stands on the image's base
     * (in the image store), named as its backing file; its seed, read-only, is the snapshot's own.
     */
    private static SnapshotRecord saveCloudSnapshot(Host host, String name, String written) throws IOException {
        Path base = host.cloud.baseStore.resolve(CLOUD_DIGEST.substring(7) + ".qcow2");
        if (!Files.exists(base)) {
            Files.createDirectories(base.getParent());
            byte[] bytes = new byte[200_000];
            new Random(11).nextBytes(bytes);
            Files.write(base, bytes);
            host.cloud.add(
                    CLOUD_URL,
                    CLOUD_DIGEST,
                    BootSpec.firmware(),
                    List.of(new Disk(base, DiskFormat.QCOW2, true, null, null)));
        }
        String id = Snapshots.newId();
        Path folder = host.store.create(id);
        Path overlay = Files.writeString(folder.resolve("overlay.qcow2"), written);
        Path seed = Files.writeString(folder.resolve("cidata.img"), "seed of " + written);
        VmRecord vm = new VmRecord(
                "fedcba9876543210",
                "cloudy",
                VmState.STOPPED,
                new VmSpec("cloudy", 1, 256L << 20, DISK_SIZE, "fake", Map.of(), null),
                new VmRecord.ImageRef("cloud", CLOUD_URL, CLOUD_DIGEST),
                BootSpec.firmware(),
                List.of(),
                Instant.EPOCH,
                null,
                0,
                null,
                null);
        SnapshotRecord record = new SnapshotRecord(
                id,
                name,
                Instant.parse("2026-12-02T11:00:00Z"),
                vm,
                List.of(
                        new Disk(overlay, DiskFormat.QCOW2, false, null, base),
                        new Disk(seed, DiskFormat.RAW, true, "cidata", null)),
                null,
                null);
        host.store.commit(record);
        return record;
    }

    private static Path storedBase(Host host) {
        return host.cloud.baseStore.resolve(CLOUD_DIGEST.substring(7) + ".qcow2");
    }

    @Test
    void aCloudImageSnapshotCarriesItsBaseIntoTheImageStoreOfAHostWithoutTheImage() throws IOException {
        saveCloudSnapshot(here, "cloudy", "overlay");

        SnapshotRecord imported = there.importer.read(new ByteArrayInputStream(export(here, "cloudy")), "c.tar", null);

        assertEquals(
                List.of(CLOUD_DIGEST),
                there.cloud.list().stream().map(image -> image.digest()).toList());
        assertEquals(storedBase(there), imported.disks().getFirst().backingFile(), "the overlay stands on this host's");
        assertEquals(
                there.store.folder(imported.id()).resolve("cidata.img"),
                imported.disks().get(1).path());
        assertArrayEquals(Files.readAllBytes(storedBase(here)), Files.readAllBytes(storedBase(there)));
        assertEquals(List.of(), leftoversIn(there.root.root.resolve("tmp")));
    }

    @Test
    void aBaseThisHostHasIsCheckedButNotStoredAgain() throws IOException {
        saveCloudSnapshot(here, "cloudy", "overlay");
        saveCloudSnapshot(there, "other", "overlay");
        byte[] before = Files.readAllBytes(storedBase(there));

        SnapshotRecord imported = there.importer.read(new ByteArrayInputStream(export(here, "cloudy")), "c.tar", null);

        assertEquals(1, there.cloud.list().size());
        assertEquals(storedBase(there), imported.disks().getFirst().backingFile());
        assertArrayEquals(before, Files.readAllBytes(storedBase(there)));
    }

    @Test
    void anExportWithoutTheBaseNamesThePullOfTheUrlAndStoresNothing() throws IOException {
        saveCloudSnapshot(here, "cloudy", "overlay");
        byte[] export = export(here, "cloudy", false);

        NotFoundException missing = assertThrows(
                NotFoundException.class, () -> there.importer.read(new ByteArrayInputStream(export), "c.tar", null));

        assertTrue(missing.getMessage().contains("needs the image " + CLOUD_URL), missing.getMessage());
        assertEquals("run cocoon pull " + CLOUD_URL + ", then import again", missing.hint());
        assertTrue(export.length < 100_000, "the 200 kB base stayed out: " + export.length + " bytes");
        assertEquals(List.of(), there.snapshotFolders());
    }

    @Test
    void aTamperedBaseIsRefusedAndNeitherTheSnapshotNorTheImageIsStored() throws IOException {
        saveCloudSnapshot(here, "cloudy", "overlay");
        byte[] export = export(here, "cloudy");
        int at = indexOf(export, java.util.Arrays.copyOfRange(Files.readAllBytes(storedBase(here)), 1000, 1016));
        export[at] ^= 1;

        refused(export, "member image/" + CLOUD_DIGEST.substring(7) + ".qcow2 has sha256 ");
        assertEquals(List.of(), there.cloud.list());
        assertEquals(List.of(), leftoversIn(there.root.root.resolve("tmp")));
    }

    @Test
    void twoPushedSnapshotsOfOneCloudImageSendItsBaseOnceAndAPullLandsIt() throws IOException {
        saveCloudSnapshot(here, "cloudy", "overlay one");
        saveCloudSnapshot(here, "cloudy-2", "overlay two");
        MemoryRegistry registry = new MemoryRegistry();

        SnapshotPush.Pushed first =
                new SnapshotPush(here.store, here.imageCatalog).push("cloudy", registry, "r/c:1", false);
        SnapshotPush.Pushed second =
                new SnapshotPush(here.store, here.imageCatalog).push("cloudy-2", registry, "r/c:2", false);
        SnapshotRecord pulled = there.importer.pull(registry, "r/c:2", false, null);

        String base = first.blobs().getLast().digest();
        assertEquals(SnapshotPush.BASE_MEDIA_TYPE, first.blobs().getLast().mediaType());
        assertEquals(
                List.of(base), registry.uploads.stream().filter(base::equals).toList(), "sent once");
        assertFalse(second.sent().stream().anyMatch(blob -> blob.digest().equals(base)));
        assertEquals(
                List.of(CLOUD_DIGEST),
                there.cloud.list().stream().map(image -> image.digest()).toList());
        assertEquals(storedBase(there), pulled.disks().getFirst().backingFile());
        assertEquals("overlay two", Files.readString(pulled.disks().getFirst().path()));
    }

    private static List<Path> leftoversIn(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.toList();
        }
    }

    private void refused(byte[] export, String reason) throws IOException {
        DamagedExportException refused = assertThrows(
                DamagedExportException.class,
                () -> there.importer.read(new ByteArrayInputStream(export), "warm.tar", null));
        assertTrue(refused.getMessage().startsWith("cannot import warm.tar: "), refused.getMessage());
        assertTrue(refused.getMessage().contains(reason), refused.getMessage());
        assertFalse(refused.getMessage().contains("\n"), "one line: " + refused.getMessage());
        assertEquals(List.of(), there.store.list());
        assertEquals(List.of(), there.snapshotFolders(), "nothing stored");
    }

    private static ExportManifest manifestOf(byte[] export) throws IOException {
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(export))) {
            in.getNextEntry();
            return Json.mapper().readValue(in.readAllBytes(), ExportManifest.class);
        }
    }

    /** The export with its manifest's text and its members' names changed. */
    private static byte[] rewrite(byte[] export, UnaryOperator<String> manifest, UnaryOperator<String> names)
            throws IOException {
        List<TarArchiveEntry> entries = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(export))) {
            TarArchiveEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                entries.add(entry);
                contents.add(in.readAllBytes());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (int i = 0; i < entries.size(); i++) {
                byte[] content = i == 0
                        ? manifest.apply(new String(contents.get(i), StandardCharsets.UTF_8))
                                .getBytes(StandardCharsets.UTF_8)
                        : contents.get(i);
                TarArchiveEntry copy =
                        new TarArchiveEntry(names.apply(entries.get(i).getName()), true);
                copy.setSize(content.length);
                tar.putArchiveEntry(copy);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    @Test
    void anExportOfSomethingElseIsRefused() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            TarArchiveEntry entry = new TarArchiveEntry("etc/passwd");
            entry.setSize(0);
            tar.putArchiveEntry(entry);
            tar.closeArchiveEntry();
        }

        refused(out.toByteArray(), "it does not start with manifest.json");
        CocoonException notTar = assertThrows(
                CocoonException.class,
                () -> there.importer.read(new ByteArrayInputStream(new byte[1024]), "zeros", null));
        assertFalse(notTar.getMessage().contains("\n"), notTar.getMessage());
    }

    /** A registry in memory: the blobs by digest (one it has is not sent again), the manifests by reference. */
    private static final class MemoryRegistry implements Artifacts {
        final Map<String, byte[]> blobs = new java.util.HashMap<>();
        final Map<String, Manifest> manifests = new java.util.HashMap<>();
        /** The digests of the blobs sent, in order. */
        final List<String> uploads = new ArrayList<>();

        @Override
        public Manifest push(String reference, Manifest manifest, Content content, boolean insecure) {
            for (Blob blob : manifest.blobs()) {
                if (blobs.containsKey(blob.digest())) {
                    continue;
                }
                uploads.add(blob.digest());
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try {
                    content.writeTo(blob, out);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                blobs.put(blob.digest(), out.toByteArray());
            }
            Manifest pushed = new Manifest(manifest.configMediaType(), manifest.config(), manifest.blobs(), "sha256:1");
            manifests.put(reference, pushed);
            return pushed;
        }

        @Override
        public Manifest pull(String reference, boolean insecure) {
            return manifests.get(reference);
        }

        @Override
        public void download(String reference, Blob blob, java.io.OutputStream out, boolean insecure) {
            try {
                out.write(blobs.get(blob.digest()));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void aPushedSnapshotIsOneBlobPerFileWithTheImageByDigestAndPullsBackOnAnotherHost() throws IOException {
        MemoryRegistry registry = new MemoryRegistry();

        new SnapshotPush(here.store, here.imageCatalog).push("warm", registry, "registry/snap:v1", false);
        SnapshotRecord pulled = there.importer.pull(registry, "registry/snap:v1", false, null);

        assertEquals(3, registry.blobs.size(), "cow.raw, state/memory, state/config.json");
        assertTrue(registry.manifests.get("registry/snap:v1").config().contains("\"digest\" : \"" + DIGEST + "\""));
        assertEquals(there.layer, pulled.disks().get(0).path());
        assertArrayEquals(Files.readAllBytes(cow(saved)), Files.readAllBytes(cow(pulled)));
        assertArrayEquals(
                memory, Files.readAllBytes(there.store.folder(pulled.id()).resolve("state/memory")));
    }

    @Test
    void aPulledBlobThatDiffersFromItsDigestIsRefusedAndNothingIsStored() throws IOException {
        MemoryRegistry registry = new MemoryRegistry();
        new SnapshotPush(here.store, here.imageCatalog).push("warm", registry, "registry/snap:v1", false);
        registry.blobs.values().forEach(blob -> blob[blob.length - 1] ^= 1);

        DamagedExportException refused = assertThrows(
                DamagedExportException.class, () -> there.importer.pull(registry, "registry/snap:v1", false, null));

        assertTrue(refused.getMessage().contains(" has sha256 "), refused.getMessage());
        assertEquals(List.of(), there.snapshotFolders());
    }
}
