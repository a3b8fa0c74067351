package cocoon.runtime.snapshot;

import cocoon.api.Artifacts;
import cocoon.api.BootSpec;
import cocoon.api.CocoonException;
import cocoon.api.Disk;
import cocoon.api.Image;
import cocoon.api.NotFoundException;
import cocoon.api.ProgressListener;
import cocoon.api.PullOptions;
import cocoon.api.VmRecord;
import cocoon.runtime.images.ImageCatalog;
import cocoon.runtime.store.AtomicFiles;
import cocoon.runtime.store.IoFailure;
import cocoon.runtime.store.Json;
import cocoon.runtime.store.Trees;
import cocoon.runtime.vm.VmNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Reads an export made by {@link SnapshotExport} into a new snapshot: the manifest is checked and the images it
 * needs looked up (and a missing one fetched from its registry by digest) before anything is written, every member is
 * hashed as it streams into the snapshot's folder (a cloud image's base into {@code tmp/}, stored in the image's store
 * once all members passed), and the record is written last, so an import that fails or is killed leaves only a folder
 * no listing shows and gc removes.
 */
public final class SnapshotImport {

    /** A manifest lists a few files and one record: far below this, whatever the snapshot's size. */
    private static final int MAX_MANIFEST = 16 << 20;

    private final SnapshotStore snapshots;
    private final ImageCatalog images;
    private final ProgressListener progress;

    /** {@code progress} hears the pull of an image fetched by digest and the storing of a base. */
    public SnapshotImport(SnapshotStore snapshots, ImageCatalog images, ProgressListener progress) {
        this.snapshots = snapshots;
        this.images = images;
        this.progress = progress;
    }

    /**
     * Imports the export {@code in} ({@code source} names it in messages) as a snapshot named {@code name}, or by
     * the name it was exported under when null; it keeps its id unless a snapshot folder here has it.
     */
    public SnapshotRecord read(InputStream in, String source, String name) {
        TarArchiveInputStream tar = new TarArchiveInputStream(in);
        return land(
                manifest(tar, source),
                source,
                name,
                false,
                (members, folder, base, baseTarget) -> receive(tar, members, folder, base, baseTarget, source));
    }

    /**
     * Pulls the artifact {@code snapshot push} made at {@code reference} as {@link #read} imports an export: its
     * config is the export's manifest, each blob a member, hashed again as it lands.
     */
    public SnapshotRecord pull(Artifacts artifacts, String reference, boolean insecure, String name) {
        Artifacts.Manifest artifact = artifacts.pull(reference, insecure);
        ExportManifest manifest = parse(artifact.config().getBytes(StandardCharsets.UTF_8), reference);
        List<String> blobs = artifact.blobs().stream()
                .map(blob -> blob.digest() + " " + blob.size())
                .toList();
        List<String> listed = manifest.members().stream()
                .map(member -> "sha256:" + member.sha256() + " " + member.size())
                .toList();
        if (manifest.base() != null) {
            listed = new ArrayList<>(listed);
            listed.add(
                    "sha256:" + manifest.base().sha256() + " " + manifest.base().size());
        }
        if (!blobs.equals(listed)) {
            throw new DamagedExportException(reference, "its blobs are not the members its config lists");
        }
        return land(manifest, reference, name, insecure, (members, folder, base, baseTarget) -> {
            for (ExportManifest.Member member : members.values()) {
                Path target = folder.resolve(relativeName(member.name()).orElseThrow());
                createFolders(folder, target.getParent());
                String sha256;
                try (MemberFile file = new MemberFile(member, target)) {
                    artifacts.download(
                            reference,
                            new Artifacts.Blob(
                                    SnapshotPush.FILE_MEDIA_TYPE, "sha256:" + member.sha256(), member.size()),
                            file,
                            insecure);
                    sha256 = file.finish();
                }
                requireHash(member, sha256, reference);
            }
            if (baseTarget != null) {
                try (MemberFile file = new MemberFile(base, baseTarget)) {
                    artifacts.download(
                            reference,
                            new Artifacts.Blob(SnapshotPush.BASE_MEDIA_TYPE, "sha256:" + base.sha256(), base.size()),
                            file,
                            insecure);
                    requireHash(base, file.finish(), reference);
                }
            }
        });
    }

    /**
     * Writes the members of a checked manifest into the snapshot's folder, and its base to {@code baseTarget}; with no
     * target the base is not wanted here (a pull need not fetch it, an import checks it as it passes).
     */
    private interface Receiver {
        void receive(
                Map<String, ExportManifest.Member> members, Path folder, ExportManifest.Member base, Path baseTarget)
                throws IOException;
    }

    @SuppressWarnings("try") // the lock is held for the block and released on close; the body never names it
    private SnapshotRecord land(
            ExportManifest manifest, String source, String name, boolean insecure, Receiver receiver) {
        // Held from the image lookup on: gc cannot take the image files the record will name until it is written.
        try (var held = snapshots.locks().shared(SnapshotStore.STORE)) {
            Map<String, ExportManifest.Member> members = members(manifest, source);
            ExportManifest.Member base = base(manifest, source);
            SnapshotRecord exported = manifest.snapshot();
            requireInsideFolder(exported, members.keySet(), source);
            String snapshotName = VmNames.validate(name != null ? name : exported.name());
            snapshots.requireFree(snapshotName);
            Image kernel = manifest.kernelImage() == null
                    ? null
                    : present(manifest.kernelImage())
                            .orElseGet(
                                    () -> fetched(manifest.kernelImage(), exported.name(), "kernel image", insecure));
            Optional<Image> image = present(manifest.image());
            boolean landsBase = image.isEmpty()
                    && base != null
                    && images.digestReference(manifest.image()).isEmpty();
            if (image.isEmpty() && !landsBase) {
                image = Optional.of(fetched(manifest.image(), exported.name(), "image", insecure));
            }
            String id = exported.id().matches("[0-9a-f]{16}") && !Files.exists(snapshots.folder(exported.id()))
                    ? exported.id()
                    : Snapshots.newId();
            Path folder = snapshots.create(id);
            Path baseTarget = landsBase ? snapshots.dir().resolveSibling("tmp").resolve("snapshot-base-" + id) : null;
            try {
                if (baseTarget != null) {
                    Files.createDirectories(baseTarget.getParent());
                    Files.deleteIfExists(baseTarget);
                }
                receiver.receive(members, folder, base, baseTarget);
                AtomicFiles.syncDirectory(folder);
                Image stack = landsBase ? images.landBase(manifest.image(), baseTarget, progress) : image.get();
                SnapshotRecord record =
                        landed(exported, id, snapshotName, folder, kernel == null ? stack : stack.withKernel(kernel));
                snapshots.commit(record);
                return record;
            } catch (IOException | RuntimeException e) {
                try {
                    Trees.delete(folder);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                if (e instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw IoFailure.isNoSpace((IOException) e)
                        ? IoFailure.noSpace(folder.getParent(), e)
                        : new DamagedExportException(source, e.getMessage());
            } finally {
                if (baseTarget != null) {
                    try {
                        Files.deleteIfExists(baseTarget);
                    } catch (IOException leftover) {
                        // A file in tmp/: gc removes it once it is older than the horizon.
                    }
                }
            }
        }
    }

    private static ExportManifest manifest(TarArchiveInputStream tar, String source) {
        try {
            TarArchiveEntry first = tar.getNextEntry();
            if (first == null || !first.getName().equals(ExportManifest.NAME) || !regular(first)) {
                throw new DamagedExportException(
                        source, "it does not start with " + ExportManifest.NAME + ": it is not a snapshot export");
            }
            if (first.getSize() > MAX_MANIFEST) {
                throw new DamagedExportException(source, "its manifest is " + first.getSize() + " bytes long");
            }
            return parse(tar.readNBytes((int) first.getSize()), source);
        } catch (IOException e) {
            throw new DamagedExportException(source, "its manifest cannot be read (" + e.getMessage() + ")");
        }
    }

    private static ExportManifest parse(byte[] bytes, String source) {
        ExportManifest manifest;
        try {
            manifest = Json.mapper().readValue(bytes, ExportManifest.class);
        } catch (IOException e) {
            throw new DamagedExportException(source, "its manifest cannot be read (" + e.getMessage() + ")");
        }
        if (!ExportManifest.FORMAT.equals(manifest.format())) {
            throw new DamagedExportException(
                    source, "its format is " + manifest.format() + ", not " + ExportManifest.FORMAT);
        }
        if (manifest.snapshot() == null || manifest.image() == null) {
            throw new DamagedExportException(source, "its manifest names no snapshot or no image");
        }
        return manifest;
    }

    /** The members by name, each a file inside the snapshot's folder whose extents add up to its size. */
    private static Map<String, ExportManifest.Member> members(ExportManifest manifest, String source) {
        Map<String, ExportManifest.Member> byName = new LinkedHashMap<>();
        for (ExportManifest.Member member : manifest.members()) {
            String name = member.name();
            if (relativeName(name).isEmpty()) {
                throw new DamagedExportException(source, "member name " + name + " points outside the snapshot");
            }
            if (byName.put(name, member) != null) {
                throw new DamagedExportException(source, "member " + name + " is listed twice");
            }
            requireExtents(member, source);
        }
        return byName;
    }

    /** The base member, named apart from the snapshot's files, whose extents add up to its size; or null. */
    private static ExportManifest.Member base(ExportManifest manifest, String source) {
        ExportManifest.Member base = manifest.base();
        if (base == null) {
            return null;
        }
        String name = base.name() == null ? "" : base.name();
        String file = name.startsWith(ExportManifest.BASE) ? name.substring(ExportManifest.BASE.length()) : "";
        if (file.isEmpty() || file.contains("/") || file.equals(".") || file.equals("..")) {
            throw new DamagedExportException(source, "its base is named " + base.name() + ", not image/<file>");
        }
        requireExtents(base, source);
        return base;
    }

    private static void requireExtents(ExportManifest.Member member, String source) {
        long end = 0;
        long sum = 0;
        for (ExportManifest.Extent extent : member.extents()) {
            if (extent.offset() < end
                    || extent.length() <= 0
                    || extent.offset() + extent.length() > member.fileSize()) {
                throw new DamagedExportException(
                        source, "member " + member.name() + " lists extents out of order or past its end");
            }
            end = extent.offset() + extent.length();
            sum += extent.length();
        }
        if (sum != member.size() || member.sha256() == null) {
            throw new DamagedExportException(
                    source,
                    "member " + member.name() + " says " + member.size() + " bytes but its extents hold " + sum);
        }
    }

    /**
     * The member's path inside the snapshot's folder: under {@link ExportManifest#FILES}, no {@code ..}, no empty
     * or absolute part, and never the record, which only the import itself writes, last.
     */
    private static Optional<Path> relativeName(String name) {
        if (name == null || !name.startsWith(ExportManifest.FILES)) {
            return Optional.empty();
        }
        String inside = name.substring(ExportManifest.FILES.length());
        for (String part : inside.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return Optional.empty();
            }
        }
        return inside.equals(SnapshotStore.RECORD) ? Optional.empty() : Optional.of(Path.of(inside));
    }

    /**
     * The record's own files (writable disks, a seed, backing files inside the snapshot, memory state) must be members: a
     * record that names a path outside the export would have a clone read a file of this host.
     */
    private static void requireInsideFolder(SnapshotRecord snapshot, Set<String> members, String source) {
        List<Path> own = new ArrayList<>();
        for (Disk disk : snapshot.disks()) {
            if (!shared(disk)) {
                own.add(disk.path());
                if (disk.backingFile() != null && !disk.backingFile().isAbsolute()) {
                    own.add(disk.backingFile());
                }
            }
        }
        if (snapshot.memoryState() != null) {
            own.add(snapshot.memoryState());
        }
        for (Path path : own) {
            String name = ExportManifest.FILES + path;
            boolean member = path != null
                    && !path.isAbsolute()
                    && relativeName(name).isPresent()
                    && (members.contains(name) || members.stream().anyMatch(m -> m.startsWith(name + "/")));
            if (!member) {
                throw new DamagedExportException(source, "its record names " + path + ", which is not a member");
            }
        }
    }

    /** The image the snapshot needs, if it is pulled here under the same digest. */
    private Optional<Image> present(VmRecord.ImageRef needed) {
        return images.list().stream()
                .filter(image ->
                        image.kind().equals(needed.kind()) && image.digest().equals(needed.digest()))
                .findFirst();
    }

    /**
     * The image the snapshot needs, pulled from its registry by digest; refused in one line naming the pull to run
     * where its source cannot pull by digest (a URL) or the registry does not give it (gone, unreachable).
     */
    private Image fetched(VmRecord.ImageRef needed, String snapshot, String what, boolean insecure) {
        String missing =
                "snapshot " + snapshot + " needs the " + what + " " + needed.reference() + " (" + needed.digest() + ")";
        Optional<String> byDigest = images.digestReference(needed);
        if (byDigest.isEmpty()) {
            throw new NotFoundException(
                    missing + ", which is not pulled here",
                    "run cocoon pull " + needed.reference() + ", then import again");
        }
        String hint = "run cocoon pull " + byDigest.get() + " where its registry can be reached, then import again";
        Image image;
        try {
            image = images.pull(byDigest.get(), new PullOptions(insecure, false, null, null, null), progress);
        } catch (CocoonException e) {
            throw new NotFoundException(
                    missing + ", which is not pulled here, and fetching it by digest failed: " + e.getMessage(), hint);
        }
        if (!image.digest().equals(needed.digest()) || !image.kind().equals(needed.kind())) {
            throw new NotFoundException(missing + ", and " + byDigest.get() + " gave " + image.digest(), hint);
        }
        return image;
    }

    private static void receive(
            TarArchiveInputStream tar,
            Map<String, ExportManifest.Member> members,
            Path folder,
            ExportManifest.Member base,
            Path baseTarget,
            String source)
            throws IOException {
        Set<String> seen = new HashSet<>();
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
            if (base != null && entry.getName().equals(base.name()) && seen.add(base.name())) {
                if (!regular(entry) || entry.getSize() != base.size()) {
                    throw new DamagedExportException(
                            source,
                            "member " + base.name() + " is not a file of the " + base.size() + " bytes it says");
                }
                requireHash(base, baseTarget == null ? passing(tar) : written(tar, base, baseTarget), source);
                continue;
            }
            ExportManifest.Member member = members.get(entry.getName());
            if (member == null) {
                throw new DamagedExportException(source, "member " + entry.getName() + " is not in its manifest");
            }
            if (!seen.add(member.name())) {
                throw new DamagedExportException(source, "member " + member.name() + " comes twice");
            }
            if (!regular(entry)) {
                throw new DamagedExportException(source, "member " + member.name() + " is a link or a folder");
            }
            if (entry.getSize() != member.size()) {
                throw new DamagedExportException(
                        source,
                        "member " + member.name() + " holds " + entry.getSize() + " bytes but its manifest says "
                                + member.size());
            }
            Path target = folder.resolve(relativeName(member.name()).orElseThrow());
            createFolders(folder, target.getParent());
            String sha256;
            try (MemberFile file = new MemberFile(member, target)) {
                tar.transferTo(file);
                sha256 = file.finish();
            }
            requireHash(member, sha256, source);
        }
        for (String name : members.keySet()) {
            if (!seen.contains(name)) {
                throw new DamagedExportException(source, "it ends before member " + name + ": it is cut short");
            }
        }
        if (base != null && !seen.contains(base.name())) {
            throw new DamagedExportException(source, "it ends before member " + base.name() + ": it is cut short");
        }
    }

    /** The sha256 of the member's bytes as they land at its extents in {@code target}. */
    private static String written(InputStream in, ExportManifest.Member member, Path target) throws IOException {
        try (MemberFile file = new MemberFile(member, target)) {
            in.transferTo(file);
            return file.finish();
        }
    }

    /** The sha256 of a member not kept here (a base this host has): checked all the same, as a damaged export is. */
    private static String passing(InputStream in) throws IOException {
        MessageDigest sha256 = SnapshotExport.sha256();
        byte[] block = new byte[SnapshotExport.BLOCK];
        int read;
        while ((read = in.read(block)) > 0) {
            sha256.update(block, 0, read);
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private static void requireHash(ExportManifest.Member member, String sha256, String source) {
        if (!sha256.equals(member.sha256())) {
            throw new DamagedExportException(
                    source,
                    "member " + member.name() + " has sha256 " + sha256 + " but its manifest says " + member.sha256());
        }
    }

    /** The folders between the snapshot's folder and a member, private like it. */
    private static void createFolders(Path folder, Path parent) throws IOException {
        Path at = folder;
        for (Path part : folder.relativize(parent)) {
            at = at.resolve(part);
            if (!Files.isDirectory(at, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(
                        at, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        }
    }

    /** A plain file: links, folders and devices have no place in an export. */
    private static boolean regular(TarArchiveEntry entry) {
        byte flag = entry.getLinkFlag();
        return (flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM) && !entry.isSparse();
    }

    /**
     * The exported record as it lives here: its files in the new folder, its read-only disks and boot files this
     * host's copies of the image's (found by serial or file name), under its new id and name.
     */
    static SnapshotRecord landed(SnapshotRecord exported, String id, String name, Path folder, Image stack) {
        List<Disk> disks = new ArrayList<>();
        for (Disk disk : exported.disks()) {
            disks.add(
                    shared(disk)
                            ? local(disk, stack)
                            : new Disk(
                                    folder.resolve(disk.path()),
                                    disk.format(),
                                    false,
                                    disk.serial(),
                                    backing(disk.backingFile(), folder, stack)));
        }
        VmRecord vm = exported.vm();
        BootSpec boot = vm.boot().bootsKernel()
                ? new BootSpec(
                        BootSpec.Mode.KERNEL,
                        stack.boot().kernel(),
                        stack.boot().initrd(),
                        vm.boot().cmdline())
                : vm.boot();
        VmRecord booted = new VmRecord(
                vm.id(),
                vm.name(),
                vm.state(),
                vm.spec(),
                vm.image(),
                boot,
                vm.disks(),
                vm.created(),
                vm.started(),
                vm.pid(),
                vm.error(),
                vm.network(),
                vm.kernelImage());
        return new SnapshotRecord(
                id,
                name,
                exported.created(),
                booted,
                disks,
                exported.memoryState() == null ? null : folder.resolve(exported.memoryState()),
                exported.machine());
    }

    /**
     * Whether the exported disk is one of the image's (a layer, left out of the export), not the snapshot's own: a
     * read-only disk that was in the VM's folder (a cloud image's seed) is a file of the snapshot, its path relative.
     */
    private static boolean shared(Disk exported) {
        return exported.readOnly() && exported.path().isAbsolute();
    }

    private static Disk local(Disk exported, Image stack) {
        String file = exported.path().getFileName().toString();
        return stack.baseDisks().stream()
                .filter(base -> exported.serial() != null
                        ? exported.serial().equals(base.serial())
                        : base.path().getFileName().toString().equals(file))
                .findFirst()
                .orElseThrow(() -> new CocoonException(
                        "image " + stack.reference() + " here has no layer " + file + " that the snapshot shares",
                        "the image under this digest differs from the exporting host's: pull it again with"
                                + " cocoon pull --force " + stack.reference()));
    }

    private static Path backing(Path exported, Path folder, Image stack) {
        if (exported == null) {
            return null;
        }
        if (!exported.isAbsolute()) {
            return folder.resolve(exported);
        }
        return stack.baseDisks().stream()
                .map(Disk::path)
                .filter(base -> base.getFileName().equals(exported.getFileName()))
                .findFirst()
                .orElse(exported);
    }
}
