package cocoon.plugin.oci.registry;

import cocoon.api.CocoonException;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import javax.net.ssl.SSLException;

/**
 * One {@code GET https://<registry>/v2/} before jib's session: jib retries every I/O failure with an
 * exponential back-off, so a registry whose certificate this host does not trust, a name that does not
 * resolve or a port nobody listens on took ~40 s to report. Here they fail at once, in one line. Any
 * HTTP answer (200, 401, 404) means the registry is reachable over verified TLS and jib takes over.
 */
final class TlsPreflight {

    private static final int TIMEOUT_MILLIS = 10_000;

    private TlsPreflight() {}

    static void check(OciReference reference) {
        try {
            HttpURLConnection ping = (HttpURLConnection) URI.create("https://" + reference.registry() + "/v2/")
                    .toURL()
                    .openConnection();
            ping.setConnectTimeout(TIMEOUT_MILLIS);
            ping.setReadTimeout(TIMEOUT_MILLIS);
            ping.setInstanceFollowRedirects(false);
            ping.setRequestProperty("User-Agent", "cocoon");
            ping.getResponseCode();
            ping.disconnect();
        } catch (SSLException e) {
            throw untrusted(reference, e);
        } catch (IOException | RuntimeException e) {
            throw RegistryErrors.translate(e, reference, "connecting");
        }
    }

    static CocoonException untrusted(OciReference reference, SSLException e) {
        return new CocoonException(
                "registry " + reference.registry() + " has no TLS certificate this host trusts: " + why(e),
                "pass its CA certificate with --ca-file, or --insecure if you trust the network");
    }

    /** The JDK's handshake messages name internal exception classes; the user needs the reason. */
    private static String why(SSLException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("No subject alternative") || message.contains("No name matching")) {
            return "its certificate is for another host name";
        }
        if (message.contains("PKIX") || message.contains("certification path")) {
            return "its certificate is signed by a CA this host does not trust";
        }
        if (message.contains("expired") || message.contains("NotAfter")) {
            return "its certificate has expired";
        }
        return "the TLS handshake failed";
    }
}
