package cocoon.plugin.oci.layer;

import cocoon.api.Processes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * The file kinds Java cannot create: device nodes and FIFOs ({@code mknod}) and xattrs outside the
 * {@code user.} namespace ({@code setfattr}), such as {@code trusted.overlay.opaque}. Both need root.
 */
public final class SpecialFiles {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Processes processes;

    public SpecialFiles(Processes processes) {
        this.processes = processes;
    }

    /** A character ({@code c}) or block ({@code b}) device, or a FIFO ({@code p}, numbers ignored). */
    void mknod(Path path, char type, int major, int minor) {
        List<String> argv = type == 'p'
                ? List.of("mknod", path.toString(), "p")
                : List.of(
                        "mknod",
                        path.toString(),
                        String.valueOf(type),
                        Integer.toString(major),
                        Integer.toString(minor));
        processes.run(argv, TIMEOUT);
    }

    /** Sets an xattr on the path itself, never on what a symlink points to. */
    void setXattr(Path path, String name, byte[] value) {
        processes.run(
                List.of(
                        "setfattr",
                        "-h",
                        "-n",
                        name,
                        "-v",
                        "0x" + HexFormat.of().formatHex(value),
                        path.toString()),
                TIMEOUT);
    }
}
