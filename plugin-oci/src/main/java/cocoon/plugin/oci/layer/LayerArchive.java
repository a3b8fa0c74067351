package cocoon.plugin.oci.layer;

import cocoon.api.CocoonException;
import cocoon.api.Processes;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Opens a layer blob as a tar stream, whatever its compression (told by its magic bytes, not the
 * media type, which registries get wrong): gzip is decompressed in the stream; zstd goes through
 * the {@code zstd} program and temp files, because commons-compress would need the native zstd-jni
 * library in the runtime image. {@code prlimit --fsize} bounds that temp tar, so a zstd bomb cannot
 * fill the disk; plain tar is read as is.
 */
public final class LayerArchive {

    private static final byte[] GZIP = {0x1f, (byte) 0x8b};
    private static final byte[] ZSTD = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};
    /** Headers and padding a tar adds around its file bytes, on top of {@link LayerLimits#maxBytes()}. */
    private static final long TAR_OVERHEAD = 64L << 20;

    private final Processes processes;
    private final LayerLimits limits;
    private final Duration timeout;

    public LayerArchive(Processes processes, LayerLimits limits, Duration timeout) {
        this.processes = processes;
        this.limits = limits;
        this.timeout = timeout;
    }

    /**
     * The tar stream inside {@code blob}. A zstd blob is first copied to {@code scratch/blob} and
     * decompressed to {@code scratch/layer.tar}; gzip and plain tar are read as they arrive.
     */
    public InputStream open(InputStream blob, Path scratch, String layer) throws IOException {
        PushbackInputStream in = new PushbackInputStream(blob, ZSTD.length);
        byte[] magic = in.readNBytes(ZSTD.length);
        in.unread(magic);
        if (magic.length >= 2 && Arrays.equals(magic, 0, 2, GZIP, 0, 2)) {
            return new GZIPInputStream(in, 1 << 16);
        }
        if (magic.length == 4 && Arrays.equals(magic, ZSTD)) {
            Path compressed = scratch.resolve("blob");
            Path tar = scratch.resolve("layer.tar");
            Files.copy(in, compressed);
            decompressZstd(compressed, tar, layer);
            Files.delete(compressed);
            return new BufferedInputStream(Files.newInputStream(tar), 1 << 16);
        }
        return in;
    }

    private void decompressZstd(Path blob, Path tar, String layer) throws IOException {
        long room = Files.getFileStore(tar.getParent()).getUsableSpace() - limits.minFreeBytes();
        long cap = Math.min(limits.maxBytes() + TAR_OVERHEAD, room);
        if (cap <= 0) {
            throw new LayerTooLargeException(
                    "not enough free disk to decompress layer " + layer,
                    "free some space (cocoon gc) or lower [oci] min_free");
        }
        List<String> argv =
                List.of("prlimit", "--fsize=" + cap, "zstd", "-d", "-q", "-f", "-o", tar.toString(), blob.toString());
        Processes.Result result = processes.runAllowingFailure(argv, timeout);
        if (result.exitCode() != 0) {
            if (Files.exists(tar) && Files.size(tar) >= cap) {
                throw new LayerTooLargeException(
                        "layer " + layer + " decompresses to more than " + cap + " bytes",
                        "it may be a zstd bomb; if the image is genuine raise [oci] max_layer_size or free disk space");
            }
            throw new CocoonException(
                    "zstd could not decompress layer " + layer + ": "
                            + result.stderr().strip(),
                    "the blob is damaged or not zstd; push the image again");
        }
    }
}
