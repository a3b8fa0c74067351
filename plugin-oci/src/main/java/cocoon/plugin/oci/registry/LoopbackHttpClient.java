package cocoon.plugin.oci.registry;

import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.http.Request;
import com.google.cloud.tools.jib.http.Response;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * jib's client for a registry on this host that speaks plain HTTP: its requests go straight to
 * {@code http://}, where jib would first fail two TLS handshakes (verified, then unverified) and pay
 * for the whole TLS set-up on the way. Used only after {@link #ifPlainHttp} saw the registry answer
 * plain HTTP; any other loopback registry gets jib's usual client.
 */
final class LoopbackHttpClient extends FailoverHttpClient {

    /** A registry on this host answers at once; one that does not is left to jib's usual failover. */
    private static final int PROBE_TIMEOUT_MILLIS = 2_000;

    private static final int BAD_REQUEST = 400;

    private LoopbackHttpClient(Consumer<LogEvent> logger) {
        super(true, true, logger);
    }

    /**
     * This client when {@code GET /v2/} over plain HTTP gets a registry's answer (200, or 401 asking for
     * a token); not when it gets 400, what a TLS server (Go's, for one) answers to plain HTTP, or nothing.
     */
    static Optional<FailoverHttpClient> ifPlainHttp(String registry, Consumer<LogEvent> logger) {
        try {
            HttpURLConnection ping = (HttpURLConnection)
                    URI.create("http://" + registry + "/v2/").toURL().openConnection();
            ping.setConnectTimeout(PROBE_TIMEOUT_MILLIS);
            ping.setReadTimeout(PROBE_TIMEOUT_MILLIS);
            ping.setInstanceFollowRedirects(false);
            int status = ping.getResponseCode();
            ping.disconnect();
            return status > 0 && status != BAD_REQUEST ? Optional.of(new LoopbackHttpClient(logger)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            // Any failure leaves the registry to jib's usual client, which reports it properly.
            return Optional.empty();
        }
    }

    @Override
    // URL's constructors are deprecated for not validating; URI would refuse URLs jib builds and sends today.
    @SuppressWarnings("deprecation")
    public Response call(String httpMethod, URL url, Request request) throws IOException {
        URL plain =
                url.getProtocol().equals("https") ? new URL("http", url.getHost(), url.getPort(), url.getFile()) : url;
        return super.call(httpMethod, plain, request);
    }
}
