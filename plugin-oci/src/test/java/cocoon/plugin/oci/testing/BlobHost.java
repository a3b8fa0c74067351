package cocoon.plugin.oci.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * The object store a registry redirects blob downloads to: it serves a blob at a presigned-looking URL,
 * and answers 400 to any request that carries an {@code Authorization} header, as S3 does when a
 * presigned URL comes with a second authentication. The bytes come from a registry without
 * authentication over the same storage.
 */
public final class BlobHost implements AutoCloseable {

    private static final String PREFIX = "/blobs/";

    private final HttpServer server;
    private final String registryHost;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> served = new CopyOnWriteArrayList<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();

    private BlobHost(HttpServer server, String registryHost) {
        this.server = server;
        this.registryHost = registryHost;
    }

    /** Listens on a free loopback port and takes blob bytes from {@code registryHost} ({@code 127.0.0.1:<port>}). */
    public static BlobHost start(String registryHost) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        BlobHost host = new BlobHost(server, registryHost);
        server.createContext(PREFIX, host::answer);
        server.start();
        return host;
    }

    /** A one-off URL for the blob, signed in its query as an object store's presigned URLs are. */
    public String location(String repository, String digest) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + PREFIX + repository + "/" + digest
                + "?X-Amz-Signature=" + UUID.randomUUID().toString().replace("-", "");
    }

    /** Digests of the blobs sent. */
    public List<String> served() {
        return List.copyOf(served);
    }

    /** Paths refused because they came with an Authorization header. */
    public List<String> refused() {
        return List.copyOf(refused);
    }

    public void clear() {
        served.clear();
        refused.clear();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (exchange.getRequestHeaders().containsKey("Authorization")) {
                refused.add(path);
                byte[] error = ("<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed; only the "
                                + "X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization "
                                + "header should be specified</Message></Error>")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(400, error.length);
                exchange.getResponseBody().write(error);
                return;
            }
            String blob = path.substring(PREFIX.length());
            int slash = blob.lastIndexOf('/');
            String repository = blob.substring(0, slash);
            String digest = blob.substring(slash + 1);
            HttpResponse<InputStream> upstream = http.send(
                    HttpRequest.newBuilder(
                                    URI.create("http://" + registryHost + "/v2/" + repository + "/blobs/" + digest))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream bytes = upstream.body()) {
                if (upstream.statusCode() != 200) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
                exchange.sendResponseHeaders(
                        200,
                        upstream.headers().firstValueAsLong("Content-Length").orElse(0));
                try (OutputStream out = exchange.getResponseBody()) {
                    bytes.transferTo(out);
                }
                served.add(digest);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
