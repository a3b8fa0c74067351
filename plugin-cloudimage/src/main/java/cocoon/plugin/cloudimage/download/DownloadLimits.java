package cocoon.plugin.cloudimage.download;

import cocoon.plugin.cloudimage.DownloadException;
import cocoon.plugin.cloudimage.StorageException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How much one download may take: a body is never accepted past {@code maxBytes} (a server that
 * never stops sending must not fill the disk), and {@code minFreeBytes} must stay free on the file
 * system of the store's temp folder.
 *
 * @param maxBytes      {@code [cloudimg] max_size}
 * @param minFreeBytes  {@code [cloudimg] min_free}
 */
public record DownloadLimits(long maxBytes, long minFreeBytes) {

    /** A size announced by the server (the whole file), refused before any byte of it is stored. */
    void checkAnnounced(URI uri, long total) {
        if (total > maxBytes) {
            throw new DownloadException(
                    "GET " + uri + ": the server announces " + human(total) + ", more than [cloudimg] max_size = "
                            + human(maxBytes),
                    "if the image really is that large raise max_size in the [cloudimg] section of the config file");
        }
    }

    /** The body would pass {@code maxBytes}: more is coming than any image this host accepts. */
    DownloadException tooLarge(URI uri) {
        return new DownloadException(
                "GET " + uri + ": the body goes on past [cloudimg] max_size = " + human(maxBytes),
                "if the image really is that large raise max_size in the [cloudimg] section of the config file; "
                        + "otherwise the server is broken");
    }

    /** Fails unless {@code needed} more bytes fit in {@code dir} with {@code minFreeBytes} to spare. */
    void checkRoom(URI uri, Path dir, long needed) {
        long usable = usable(dir);
        if (usable - Math.max(0, needed) < minFreeBytes) {
            String what = needed > 0 ? "needs " + human(needed) + " more but " : "cannot start: ";
            throw new DownloadException(
                    "GET " + uri + ": " + what + human(usable) + " free under " + dir + " ([cloudimg] min_free = "
                            + human(minFreeBytes) + ")",
                    "free some space (cocoon gc) and pull again to resume, or lower min_free in the [cloudimg] section");
        }
    }

    private static long usable(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw StorageException.of(
                    "cannot read the free space of", dir, e, "check that the root dir is mounted and readable");
        }
    }

    /** Rounded for messages: 1.5G, 340M, 12K, 900B. */
    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + "B";
        }
        int exp = Math.min(5, (63 - Long.numberOfLeadingZeros(bytes)) / 10);
        double value = bytes / (double) (1L << (10 * exp));
        String digits = value >= 100 || value == Math.rint(value)
                ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.1f", value);
        return digits + "KMGTP".charAt(exp - 1);
    }
}
