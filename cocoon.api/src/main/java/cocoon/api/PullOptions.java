package cocoon.api;

import java.nio.file.Path;

/**
 * Flags of {@code cocoon pull}.
 *
 * @param insecure     allow plain HTTP / unverified TLS for a non-loopback registry
 * @param force        download again even if the store already has it
 * @param checksum     expected {@code sha256:<hex>} of a cloud image, or null
 * @param checksumUrl  URL of a SHA256SUMS file listing the image, or null
 * @param caFile       extra CA certificate (PEM) to trust, or null
 */
public record PullOptions(boolean insecure, boolean force, String checksum, String checksumUrl, Path caFile) {

    public static PullOptions defaults() {
        return new PullOptions(false, false, null, null, null);
    }
}
