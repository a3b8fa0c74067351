package cocoon.api;

import java.nio.file.Path;
import javax.net.ssl.SSLContext;

/**
 * Flags of {@code cocoon pull}.
 *
 * @param insecure     allow plain HTTP to a non-loopback registry, and TLS without certificate checks
 * @param force        download again even if the store already has it
 * @param checksum     expected {@code sha256:<hex>} of a cloud image, or null
 * @param checksumUrl  URL of a SHA256SUMS file listing the image, or null
 * @param caFile       extra CA certificate (PEM) to trust, or null
 */
public record PullOptions(boolean insecure, boolean force, String checksum, String checksumUrl, Path caFile) {

    public static PullOptions defaults() {
        return new PullOptions(false, false, null, null, null);
    }

    /**
     * The TLS trust for this pull's HTTPS connections: the system trust store plus {@code caFile};
     * with {@code insecure}, every certificate.
     *
     * @throws InvalidInputException if the CA file cannot be read or holds no certificate
     */
    public SSLContext tls() {
        return TlsTrust.context(insecure, caFile);
    }
}
