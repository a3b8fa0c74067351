package cocoon.plugin.oci.layer;

import cocoon.api.CocoonException;
import cocoon.api.Processes;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Opens a layer blob as a tar stream, whatever its compression (told by its magic bytes, not the
 * media type, which registries get wrong): gzip is decompressed in the stream; zstd goes through
 * the {@code zstd} program to a temp tar, because commons-compress would need the native zstd-jni
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

    /** The tar stream of {@code blob}; a zstd blob is first decompressed to {@code scratchTar}. */
    public InputStream open(Path blob, Path scratchTar, String layer) throws IOException {
        byte[] magic = new byte[4];
        int read;
        try (InputStream in = Files.newInputStream(blob)) {
            read = in.readNBytes(magic, 0, magic.length);
        }
        if (read >= 2 && Arrays.equals(magic, 0, 2, GZIP, 0, 2)) {
            return new GZIPInputStream(new BufferedInputStream(Files.newInputStream(blob), 1 << 16), 1 << 16);
        }
        if (read == 4 && Arrays.equals(magic, ZSTD)) {
            decompressZstd(blob, scratchTar, layer);
            return new BufferedInputStream(Files.newInputStream(scratchTar), 1 << 16);
        }
        return new BufferedInputStream(Files.newInputStream(blob), 1 << 16);
    }

    private void decompressZstd(Path blob, Path tar, String layer) throws IOException {
        long room = Files.getFileStore(tar.getParent()).getUsableSpace() - limits.minFreeBytes();
        long cap = Math.min(limits.maxBytes() + TAR_OVERHEAD, room);
        if (cap <= 0) {
            throw new LayerTooLargeException("not enough free disk to decompress layer " + layer,
                    "free some space (cocoon gc) or lower [oci] min_free_bytes");
        }
        List<String> argv = List.of("prlimit", "--fsize=" + cap, "zstd", "-d", "-q", "-f", "-o", tar.toString(), blob.toString());
        Processes.Result result = processes.runAllowingFailure(argv, timeout);
        if (result.exitCode() != 0) {
            if (Files.exists(tar) && Files.size(tar) >= cap) {
                throw new LayerTooLargeException("layer " + layer + " decompresses to more than " + cap + " bytes",
                        "it may be a zstd bomb; if the image is genuine raise [oci] max_layer_bytes or free disk space");
            }
            throw new CocoonException("zstd could not decompress layer " + layer + ": " + result.stderr().strip(),
                    "the blob is damaged or not zstd; push the image again");
        }
    }
}
