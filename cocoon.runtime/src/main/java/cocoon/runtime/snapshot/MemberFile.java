package cocoon.runtime.snapshot;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * A member of an export as it lands: its bytes, in order, written at its extents (holes stay holes) and hashed on
 * the way; more bytes than the manifest promised are refused as they come.
 */
final class MemberFile extends OutputStream {

    private final ExportManifest.Member member;
    private final RandomAccessFile file;
    private final FileChannel channel;
    private final MessageDigest sha256 = SnapshotExport.sha256();
    private final List<ExportManifest.Extent> extents;
    private int extent;
    private long intoExtent;
    private long written;

    /** Creates {@code target} (which must not exist) readable by its owner only. */
    MemberFile(ExportManifest.Member member, Path target) throws IOException {
        this.member = member;
        this.extents = member.extents();
        Files.createFile(target, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        this.file = new RandomAccessFile(target.toFile(), "rw");
        this.channel = file.getChannel();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (written + length > member.size()) {
            throw new IOException(
                    "member " + member.name() + " runs past the " + member.size() + " bytes its manifest says");
        }
        sha256.update(bytes, offset, length);
        written += length;
        int at = offset;
        int left = length;
        while (left > 0) {
            ExportManifest.Extent current = extents.get(extent);
            int chunk = (int) Math.min(left, current.length() - intoExtent);
            ByteBuffer data = ByteBuffer.wrap(bytes, at, chunk);
            long position = current.offset() + intoExtent;
            while (data.hasRemaining()) {
                channel.write(data, position + (data.position() - at));
            }
            at += chunk;
            left -= chunk;
            intoExtent += chunk;
            if (intoExtent == current.length()) {
                extent++;
                intoExtent = 0;
            }
        }
    }

    /** Sizes the file, makes it durable and returns the sha256 of what was written; refuses a short member. */
    String finish() throws IOException {
        if (written != member.size()) {
            throw new IOException("member " + member.name() + " is cut short");
        }
        file.setLength(member.fileSize());
        channel.force(true);
        return HexFormat.of().formatHex(sha256.digest());
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
