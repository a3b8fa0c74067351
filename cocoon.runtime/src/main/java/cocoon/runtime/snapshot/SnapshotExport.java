package cocoon.runtime.snapshot;

import cocoon.api.CocoonException;
import cocoon.api.Disk;
import cocoon.runtime.images.ImageCatalog;
import cocoon.runtime.store.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a snapshot as a tar stream: {@link ExportManifest#NAME} first, then every file of the snapshot's folder as
 * its data extents, then the base of an image its source cannot fetch again by digest (a cloud image's). Image layers
 * stay out: the manifest names the images by digest.
 */
public final class SnapshotExport {

    /** A disk's holes are found in blocks this size: small enough to keep a lightly written disk small. */
    static final int BLOCK = 64 * 1024;

    private static final byte[] ZEROS = new byte[BLOCK];

    private final SnapshotStore snapshots;
    private final ImageCatalog images;

    public SnapshotExport(SnapshotStore snapshots, ImageCatalog images) {
        this.snapshots = snapshots;
        this.images = images;
    }

    /**
     * Writes the snapshot {@code nameOrId} to {@code out}, which stays open; returns its record. {@code withBase}
     * carries the base of an image that cannot be fetched again by digest, without which the export imports only
     * where that very image is pulled.
     */
    @SuppressWarnings("try") // the lock is held for the block and released on close; the body never names it
    public SnapshotRecord write(String nameOrId, OutputStream out, boolean withBase) {
        try (var held = snapshots.locks().shared(SnapshotStore.STORE)) {
            SnapshotRecord record = snapshots.resolve(nameOrId);
            Path folder = snapshots.folder(record.id());
            try {
                List<Path> files = files(folder);
                Optional<Path> base = withBase ? base(record, folder, images) : Optional.empty();
                ExportManifest manifest = manifest(record, folder, files, base);
                List<ExportManifest.Member> members = manifest.members();
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                byte[] manifestBytes = Json.mapper().writeValueAsBytes(manifest);
                put(tar, ExportManifest.NAME, manifestBytes.length, record);
                tar.write(manifestBytes);
                tar.closeArchiveEntry();
                for (int i = 0; i < files.size(); i++) {
                    ExportManifest.Member member = members.get(i);
                    put(tar, member.name(), member.size(), record);
                    copyExtents(files.get(i), member, tar);
                    tar.closeArchiveEntry();
                }
                if (base.isPresent()) {
                    put(tar, manifest.base().name(), manifest.base().size(), record);
                    copyExtents(base.get(), manifest.base(), tar);
                    tar.closeArchiveEntry();
                }
                tar.finish();
                out.flush();
                return record;
            } catch (IOException e) {
                throw new CocoonException(
                        "cannot export snapshot " + record.name() + ": " + e.getMessage(),
                        "check free space where the export goes and permissions under " + folder);
            }
        }
    }

    /**
     * The manifest of the snapshot whose folder holds {@code files}, with {@code base} if given, each read once for its
     * extents and hash.
     */
    static ExportManifest manifest(SnapshotRecord record, Path folder, List<Path> files, Optional<Path> base)
            throws IOException {
        List<ExportManifest.Member> members = new ArrayList<>();
        for (Path file : files) {
            members.add(member(file, ExportManifest.FILES + folder.relativize(file)));
        }
        ExportManifest.Member baseMember = null;
        if (base.isPresent()) {
            baseMember = member(base.get(), ExportManifest.BASE + base.get().getFileName());
        }
        return new ExportManifest(
                ExportManifest.FORMAT,
                record.vm().image(),
                record.vm().kernelImage(),
                record.disks().stream()
                        .filter(Disk::readOnly)
                        .map(disk -> disk.path().getFileName().toString())
                        .toList(),
                relativeTo(record, folder),
                members,
                baseMember);
    }

    /**
     * The file a writable disk of the snapshot stands on (a cloud image's base, named as its backing file) when the
     * image's source cannot fetch it again by digest; empty for images that travel by digest.
     */
    static Optional<Path> base(SnapshotRecord record, Path folder, ImageCatalog images) {
        if (images.digestReference(record.vm().image()).isPresent()) {
            return Optional.empty();
        }
        return record.disks().stream()
                .filter(disk -> !disk.readOnly() && disk.backingFile() != null)
                .map(Disk::backingFile)
                .filter(file -> file.isAbsolute() && !file.startsWith(folder))
                .findFirst();
    }

    /** Every regular file of the folder but the record, which the manifest carries. */
    static List<Path> files(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(file -> Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .filter(file -> !file.equals(folder.resolve(SnapshotStore.RECORD)))
                    .sorted()
                    .toList();
        }
    }

    /** The file's data extents and their hash, found in one read; holes read as zeros at memory speed. */
    private static ExportManifest.Member member(Path file, String name) throws IOException {
        MessageDigest sha256 = sha256();
        List<ExportManifest.Extent> extents = new ArrayList<>();
        ByteBuffer block = ByteBuffer.allocate(BLOCK);
        long fileSize;
        long size = 0;
        try (FileChannel channel = FileChannel.open(file)) {
            fileSize = channel.size();
            long start = -1;
            for (long at = 0; at < fileSize; at += BLOCK) {
                int length = fill(channel, block, at, (int) Math.min(BLOCK, fileSize - at));
                boolean data = !Arrays.equals(block.array(), 0, length, ZEROS, 0, length);
                if (data) {
                    sha256.update(block.array(), 0, length);
                    size += length;
                    start = start < 0 ? at : start;
                } else if (start >= 0) {
                    extents.add(new ExportManifest.Extent(start, at - start));
                    start = -1;
                }
            }
            if (start >= 0) {
                extents.add(new ExportManifest.Extent(start, fileSize - start));
            }
        }
        return new ExportManifest.Member(name, size, HexFormat.of().formatHex(sha256.digest()), fileSize, extents);
    }

    static void copyExtents(Path file, ExportManifest.Member member, OutputStream out) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(BLOCK);
        try (FileChannel channel = FileChannel.open(file)) {
            for (ExportManifest.Extent extent : member.extents()) {
                for (long at = extent.offset(); at < extent.offset() + extent.length(); at += BLOCK) {
                    int length =
                            fill(channel, block, at, (int) Math.min(BLOCK, extent.offset() + extent.length() - at));
                    out.write(block.array(), 0, length);
                }
            }
        }
    }

    /** Reads {@code length} bytes at {@code position} into the start of {@code block}. */
    private static int fill(FileChannel channel, ByteBuffer block, long position, int length) throws IOException {
        block.clear().limit(length);
        while (block.hasRemaining()) {
            if (channel.read(block, position + block.position()) < 0) {
                throw new IOException("the file shrank while it was exported");
            }
        }
        return length;
    }

    private static void put(TarArchiveOutputStream tar, String name, long size, SnapshotRecord record)
            throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(size);
        entry.setMode(0600);
        entry.setModTime(record.created().toEpochMilli());
        tar.putArchiveEntry(entry);
    }

    /** The record with every path inside the snapshot's folder relative to it; paths elsewhere stay as they are. */
    static SnapshotRecord relativeTo(SnapshotRecord record, Path folder) {
        List<Disk> disks = record.disks().stream()
                .map(disk -> new Disk(
                        relative(disk.path(), folder),
                        disk.format(),
                        disk.readOnly(),
                        disk.serial(),
                        relative(disk.backingFile(), folder)))
                .toList();
        return new SnapshotRecord(
                record.id(),
                record.name(),
                record.created(),
                record.vm(),
                disks,
                relative(record.memoryState(), folder),
                record.machine());
    }

    private static Path relative(Path path, Path folder) {
        return path != null && path.startsWith(folder) ? folder.relativize(path) : path;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
