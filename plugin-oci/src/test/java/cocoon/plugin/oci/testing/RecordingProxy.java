package cocoon.plugin.oci.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback HTTP proxy in front of a registry that records every request line ({@code GET /v2/…})
 * and can flip one byte of a chosen blob on its way through, to prove what a client fetched and that
 * it notices tampering. It can also redirect blob downloads to a {@link BlobHost}, as registries backed
 * by an object store do: once the registry accepts the request (a HEAD with the client's headers), the
 * client gets a 307 to the blob's presigned URL instead of the bytes. For what docker-registry cannot be made to
 * do here, it can ask for basic auth (docker-registry's htpasswd wants bcrypt hashes, which nothing on these
 * machines makes) and send blob requests round a redirect loop.
 */
public final class RecordingProxy implements AutoCloseable {

    private static final Pattern BLOB_PATH = Pattern.compile("/v2/(.+)/blobs/(sha256:[0-9a-f]{64})");
    private static final Set<String> HOP_HEADERS =
            Set.of("connection", "content-length", "transfer-encoding", "host", "expect", "upgrade", "keep-alive");

    private final PlainHttpFront front;
    private final HttpServer server;
    private final String upstream;
    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile String corruptDigest;
    private volatile BlobHost blobHost;
    private volatile String basicAuthorization;
    private volatile boolean blobRedirectLoop;

    private RecordingProxy(HttpServer server, String upstream) throws IOException {
        this.server = server;
        this.upstream = upstream;
        this.front = PlainHttpFront.before(server);
    }

    /** Listens on a free loopback port and forwards to {@code upstreamHost} ({@code 127.0.0.1:<port>}). */
    public static RecordingProxy start(String upstreamHost) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        RecordingProxy proxy = new RecordingProxy(server, upstreamHost);
        server.createContext("/", proxy::forward);
        return proxy;
    }

    public String host() {
        return front.host();
    }

    /** Every request seen since the last {@link #clear()}, as {@code METHOD path}. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** The blob GETs seen, by digest. */
    public List<String> blobFetches() {
        return requests.stream()
                .filter(line -> line.startsWith("GET ") && line.contains("/blobs/sha256:"))
                .map(line -> line.substring(line.indexOf("/blobs/") + "/blobs/".length()))
                .toList();
    }

    public void clear() {
        requests.clear();
    }

    /** From now on, the blob with this digest arrives with one byte changed (null stops it). */
    public void corrupt(String digest) {
        corruptDigest = digest;
    }

    /** From now on, blob GETs the registry accepts are redirected to {@code host} (null stops it). */
    public void redirectBlobsTo(BlobHost host) {
        blobHost = host;
    }

    /** From now on, requests without this user's basic credentials get a 401 asking for them (null stops it). */
    public void requireBasic(String user, String password) {
        basicAuthorization = user == null
                ? null
                : "Basic "
                        + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** From now on, every blob GET is redirected to itself. */
    public void redirectBlobsInALoop(boolean loop) {
        blobRedirectLoop = loop;
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().toString();
            requests.add(method + " " + path);
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String basic = basicAuthorization;
            if (basic != null && !basic.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"cocoon-test\"");
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            BlobHost redirect = blobHost;
            Matcher blob = BLOB_PATH.matcher(exchange.getRequestURI().getPath());
            if (blobRedirectLoop && method.equals("GET") && blob.matches()) {
                exchange.getResponseHeaders().set("Location", path);
                exchange.sendResponseHeaders(302, -1);
                return;
            }
            if (redirect != null
                    && method.equals("GET")
                    && blob.matches()
                    && http.send(toRegistry(exchange, "HEAD", new byte[0]), HttpResponse.BodyHandlers.discarding())
                                    .statusCode()
                            == 200) {
                exchange.getResponseHeaders().set("Location", redirect.location(blob.group(1), blob.group(2)));
                exchange.sendResponseHeaders(307, -1);
                return;
            }
            HttpResponse<byte[]> response =
                    http.send(toRegistry(exchange, method, body), HttpResponse.BodyHandlers.ofByteArray());
            byte[] answer = response.body();
            String corrupt = corruptDigest;
            if (corrupt != null && method.equals("GET") && path.endsWith("/blobs/" + corrupt) && answer.length > 0) {
                answer = answer.clone();
                answer[answer.length / 2] ^= 0x01;
            }
            response.headers().map().forEach((name, values) -> {
                if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            boolean noBody = method.equals("HEAD") || response.statusCode() == 204 || response.statusCode() == 304;
            if (noBody) {
                response.headers()
                        .firstValue("Content-Length")
                        .ifPresent(length -> exchange.getResponseHeaders().set("Content-Length", length));
            }
            exchange.sendResponseHeaders(response.statusCode(), noBody || answer.length == 0 ? -1 : answer.length);
            if (!noBody && answer.length > 0) {
                exchange.getResponseBody().write(answer);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The client's request, sent on to the registry with its own headers. */
    private HttpRequest toRegistry(HttpExchange exchange, String method, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://" + upstream + exchange.getRequestURI()))
                .timeout(Duration.ofSeconds(60))
                .method(
                        method,
                        body.length == 0
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        return request.build();
    }

    @Override
    public void close() throws IOException {
        front.close();
        server.stop(0);
    }
}
