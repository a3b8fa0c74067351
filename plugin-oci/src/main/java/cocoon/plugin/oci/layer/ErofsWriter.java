package cocoon.plugin.oci.layer;

import cocoon.api.Processes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a read-only EROFS image from a folder with {@code mkfs.erofs} (1.5 has no {@code --tar}).
 * Owners, modes, device nodes and xattrs come from the folder; per-file mtimes are kept.
 */
public final class ErofsWriter {

    private final Processes processes;
    private final String compression;
    private final Duration timeout;

    /** @param compression {@code lz4}, {@code lz4hc[,level]}, or empty for an uncompressed image */
    public ErofsWriter(Processes processes, String compression, Duration timeout) {
        this.processes = processes;
        this.compression = compression;
        this.timeout = timeout;
    }

    /** Whether images are compressed: only then must a layer go through a folder, since {@link ErofsLayerWriter} writes plain ones. */
    public boolean compresses() {
        return !compression.isEmpty();
    }

    public void write(Path folder, Path image) {
        List<String> argv = new ArrayList<>(List.of("mkfs.erofs", "--quiet", "--preserve-mtime"));
        if (!compression.isEmpty()) {
            argv.add("-z" + compression);
        }
        argv.add(image.toString());
        argv.add(folder.toString());
        processes.run(argv, timeout);
    }
}
