package cocoon.plugin.oci.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds a layer tar entry by entry, the way image builders write them, then compresses it. */
public final class TestLayer {

    static final Instant MTIME = Instant.parse("2024-05-01T12:00:00Z");

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

    public TestLayer() {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    public TestLayer dir(String name, int mode) {
        TarArchiveEntry entry = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true);
        return put(entry, mode, 0, 0, null);
    }

    public TestLayer file(String name, String content, int mode, int uid, int gid) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), mode, uid, gid);
    }

    public TestLayer file(String name, byte[] content, int mode, int uid, int gid) {
        TarArchiveEntry entry = new TarArchiveEntry(name, true);
        entry.setSize(content.length);
        return put(entry, mode, uid, gid, content);
    }

    /** A file with an extra PAX header, e.g. {@code SCHILY.xattr.user.note}. */
    public TestLayer fileWithPax(String name, String content, String paxKey, String paxValue) {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(name, true);
        entry.setSize(data.length);
        entry.addPaxHeader(paxKey, paxValue);
        return put(entry, 0644, 0, 0, data);
    }

    public TestLayer symlink(String name, String target) {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        entry.setLinkName(target);
        return put(entry, 0777, 0, 0, null);
    }

    public TestLayer hardlink(String name, String target) {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
        entry.setLinkName(target);
        return put(entry, 0644, 0, 0, null);
    }

    public TestLayer charDevice(String name, int major, int minor) {
        TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_CHR, true);
        entry.setDevMajor(major);
        entry.setDevMinor(minor);
        return put(entry, 0666, 0, 0, null);
    }

    /** The OCI way to delete {@code dir/name} from lower layers. */
    public TestLayer whiteout(String dir, String name) {
        return file((dir.isEmpty() ? "" : dir + "/") + ".wh." + name, new byte[0], 0644, 0, 0);
    }

    /** The OCI way to hide everything lower layers have in {@code dir}. */
    public TestLayer opaque(String dir) {
        return file(dir + "/.wh..wh..opq", new byte[0], 0644, 0, 0);
    }

    private TestLayer put(TarArchiveEntry entry, int mode, int uid, int gid, byte[] content) {
        try {
            entry.setMode((entry.getMode() & ~07777) | mode);
            entry.setUserId(uid);
            entry.setGroupId(gid);
            entry.setModTime(java.nio.file.attribute.FileTime.from(MTIME));
            tar.putArchiveEntry(entry);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] tarBytes() {
        try {
            tar.finish();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RegistryFixture.Layer gzip() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(tarBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new RegistryFixture.Layer(out.toByteArray(), false);
    }

    /** Compressed by the {@code zstd} program, as buildkit writes zstd layers. */
    public RegistryFixture.Layer zstd(Path scratch) throws IOException, InterruptedException {
        Path in = Files.createTempFile(scratch, "layer", ".tar");
        Path out = Path.of(in + ".zst");
        Files.write(in, tarBytes());
        Process process = new ProcessBuilder(List.of("zstd", "-q", "-f", "-o", out.toString(), in.toString()))
                .redirectErrorStream(true)
                .start();
        if (process.waitFor() != 0) {
            throw new IOException(
                    "zstd failed: " + new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        return new RegistryFixture.Layer(Files.readAllBytes(out), true);
    }
}
