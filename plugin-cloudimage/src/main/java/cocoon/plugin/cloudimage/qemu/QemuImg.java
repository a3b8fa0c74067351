package cocoon.plugin.cloudimage.qemu;

import cocoon.api.CocoonException;
import cocoon.api.Processes;
import cocoon.plugin.cloudimage.UnsafeImageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The {@code qemu-img} commands this plugin runs. Every call names the format so qemu-img never
 * probes; reads pass {@code -U} because the pull holds its own lock on the downloaded file, which
 * would clash with qemu's image locks. Reads are quick; how long a write (a conversion, an overlay) may
 * take is the caller's setting.
 */
public final class QemuImg {

    private static final Duration QUICK = Duration.ofSeconds(60);

    private final Processes processes;
    private final Duration writeTimeout;

    public QemuImg(Processes processes, Duration writeTimeout) {
        this.processes = processes;
        this.writeTimeout = writeTimeout;
    }

    public ImageInfo info(Path image, SourceFormat format) {
        String json = processes
                .run(
                        List.of("qemu-img", "info", "-U", "-f", format.qemuName(), "--output=json", image.toString()),
                        QUICK)
                .stdout();
        return ImageInfo.parse(json);
    }

    /**
     * The image's info once it is known to reference no other file: no backing file, no external
     * data file, no extent outside itself.
     */
    public ImageInfo selfContained(Path image, SourceFormat format, String source) {
        ImageInfo info = info(image, format);
        if (info.backingFile() != null) {
            throw new UnsafeImageException(source + " names a backing file (" + info.backingFile() + ")");
        }
        if (info.dataFile() != null) {
            throw new UnsafeImageException(source + " names an external data file (" + info.dataFile() + ")");
        }
        for (String extent : info.extentFiles()) {
            Path extentPath = image.toAbsolutePath().getParent().resolve(extent).normalize();
            if (!extentPath.equals(image.toAbsolutePath().normalize())) {
                throw new UnsafeImageException(source + " reads extents from another file (" + extent + ")");
            }
        }
        return info;
    }

    /**
     * The first {@code bytes} the guest would read from the disk, through {@code qemu-img dd} into
     * {@code scratch}, which is deleted after: no loop device or NBD needed.
     */
    public byte[] head(Path image, SourceFormat format, int bytes, Path scratch) {
        try {
            Files.createDirectories(scratch.getParent());
            processes.run(
                    List.of(
                            "qemu-img",
                            "dd",
                            "-U",
                            "-f",
                            format.qemuName(),
                            "-O",
                            "raw",
                            "bs=" + bytes,
                            "count=1",
                            "if=" + image,
                            "of=" + scratch),
                    QUICK);
            return Files.readAllBytes(scratch);
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot read the start of " + image + ": " + e.getMessage(),
                    "check free space and permissions under the root dir");
        } finally {
            try {
                Files.deleteIfExists(scratch);
            } catch (IOException e) {
                // Left for GC, which removes old entries under tmp/.
            }
        }
    }

    public void convertToQcow2(Path source, SourceFormat format, Path target) {
        processes.run(
                List.of(
                        "qemu-img",
                        "convert",
                        "-U",
                        "-f",
                        format.qemuName(),
                        "-O",
                        "qcow2",
                        source.toString(),
                        target.toString()),
                writeTimeout);
    }

    /** A qcow2 overlay that reads through to {@code base} and takes every write itself. */
    public void createOverlay(Path base, Path overlay, long sizeBytes) {
        processes.run(
                List.of(
                        "qemu-img",
                        "create",
                        "-f",
                        "qcow2",
                        "-F",
                        "qcow2",
                        "-b",
                        base.toString(),
                        overlay.toString(),
                        Long.toString(sizeBytes)),
                writeTimeout);
    }

    /**
     * Points {@code overlay}'s header at {@code base} without reading either's data ({@code rebase -u}): for a copy
     * whose base is the same image at another path, such as a snapshot imported under another root dir.
     */
    public void repointOverlay(Path overlay, Path base) {
        processes.run(
                List.of(
                        "qemu-img",
                        "rebase",
                        "-u",
                        "-f",
                        "qcow2",
                        "-F",
                        "qcow2",
                        "-b",
                        base.toString(),
                        overlay.toString()),
                writeTimeout);
    }
}
