package cocoon.e2e.reliability;

import cocoon.plugin.oci.testing.PlainHttpFront;
import cocoon.plugin.oci.testing.RegistryFixture;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback HTTP server that misbehaves on purpose: a registry whose blobs arrive cut short or
 * never end and whose manifest never ends, and cloud-image URLs that redirect in a loop, stream
 * forever with or without a Content-Length, or send more than their Content-Length. Plain files are
 * served as given.
 */
final class HostileServer implements AutoCloseable {

    private static final String V2 = "/v2/";

    private final HttpServer server;
    private final PlainHttpFront front;
    /** Raw HTTP/1.1 for answers the JDK server refuses to send: a body longer than its Content-Length. */
    private final ServerSocket raw;

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final Map<String, String> types = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private HostileServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        server.setExecutor(threads);
        server.start();
        front = PlainHttpFront.before(server);
        raw = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::acceptRaw);
    }

    static HostileServer start() throws IOException {
        return new HostileServer();
    }

    String host() {
        return front.host();
    }

    /** Serves {@code content} at {@code path} (a registry path such as {@code /v2/x/manifests/1}, or any other). */
    HostileServer file(String path, String contentType, byte[] content) {
        files.put(path, content);
        types.put(path, contentType);
        return this;
    }

    /**
     * A one-layer OCI image under {@code /v2/<repository>/}: its manifest names the layer by its real
     * digest and size, and {@code layerBehaviour} (a content type or one of the behaviours below) decides how the blob is served (a path that misbehaves, below).
     */
    HostileServer image(String repository, String tag, byte[] layer, String layerBehaviour) {
        String config =
                "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
        byte[] configBytes = config.getBytes(StandardCharsets.UTF_8);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + RegistryFixture.OCI_MANIFEST + "\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                + RegistryFixture.digest(configBytes)
                + "\",\"size\":" + configBytes.length
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                + "\"digest\":\"" + RegistryFixture.digest(layer) + "\",\"size\":" + layer.length + "}]}";
        file(
                V2 + repository + "/manifests/" + tag,
                RegistryFixture.OCI_MANIFEST,
                manifest.getBytes(StandardCharsets.UTF_8));
        file(
                V2 + repository + "/blobs/" + RegistryFixture.digest(configBytes),
                "application/octet-stream",
                configBytes);
        file(V2 + repository + "/blobs/" + RegistryFixture.digest(layer), layerBehaviour, layer);
        return this;
    }

    /** Behaviours, given as the content type of a path: the headers promise the whole body, half of it comes. */
    static final String TRUNCATED = "x-hostile/truncated";
    /** A body without length that never ends. */
    static final String ENDLESS = "x-hostile/endless";
    /** A redirect to itself, forever. */
    static final String REDIRECT_LOOP = "x-hostile/redirect-loop";
    /** A Content-Length of 1 TiB, then filler for as long as the client reads. */
    static final String ANNOUNCES_TERABYTE = "x-hostile/announces-terabyte";
    /** The content with its true Content-Length, then filler on the same connection for as long as the client reads. */
    static final String OVERLONG = "x-hostile/overlong";

    /** {@code http://host:port} where {@code path} is served: OVERLONG paths have their own raw listener. */
    String url(String path) {
        boolean overlong = OVERLONG.equals(types.get(path));
        return "http://" + (overlong ? "127.0.0.1:" + raw.getLocalPort() : host()) + path;
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            boolean head = exchange.getRequestMethod().equals("HEAD");
            if (path.equals(V2)) {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                send(exchange, 200, "{}".getBytes(StandardCharsets.UTF_8), head);
                return;
            }
            byte[] content = files.get(path);
            if (content == null) {
                send(
                        exchange,
                        404,
                        "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"unknown\"}]}"
                                .getBytes(StandardCharsets.UTF_8),
                        head);
                return;
            }
            String type = types.get(path);
            switch (type) {
                case REDIRECT_LOOP -> {
                    exchange.getResponseHeaders().set("Location", path);
                    exchange.sendResponseHeaders(302, -1);
                }
                case ENDLESS -> {
                    exchange.getResponseHeaders()
                            .set(
                                    "Content-Type",
                                    path.contains("/manifests/")
                                            ? RegistryFixture.OCI_MANIFEST
                                            : "application/octet-stream");
                    exchange.sendResponseHeaders(200, head ? -1 : 0);
                    if (!head) {
                        endless(exchange.getResponseBody(), content);
                    }
                }
                case ANNOUNCES_TERABYTE -> {
                    exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
                    exchange.sendResponseHeaders(200, head ? -1 : 1L << 40);
                    if (!head) {
                        endless(exchange.getResponseBody(), content);
                    }
                }
                case TRUNCATED -> {
                    exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
                    exchange.sendResponseHeaders(200, content.length);
                    if (!head) {
                        exchange.getResponseBody().write(content, 0, content.length / 2);
                        exchange.getResponseBody().flush();
                        throw new IOException("hanging up half-way on purpose");
                    }
                }
                default -> {
                    exchange.getResponseHeaders().set("Content-Type", type);
                    if (path.contains("/manifests/")) {
                        exchange.getResponseHeaders().set("Docker-Content-Digest", RegistryFixture.digest(content));
                    }
                    send(exchange, 200, content, head);
                }
            }
        }
    }

    /** Starts with {@code prefix}, then repeats a filler until the client hangs up or the server closes. */
    private void endless(OutputStream out, byte[] prefix) {
        byte[] filler = new byte[1 << 16];
        Arrays.fill(filler, (byte) ' ');
        try {
            out.write(prefix);
            while (!closed) {
                out.write(filler);
            }
        } catch (IOException clientHungUp) {
            // the client gave up, as it should
        }
    }

    private void acceptRaw() {
        while (!raw.isClosed()) {
            try {
                Socket client = raw.accept();
                Thread.ofVirtual().start(() -> answerRaw(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** Answers one GET with the path's content under its true length, then keeps writing past it. */
    private void answerRaw(Socket client) {
        try (client) {
            String path = requestPath(client.getInputStream());
            byte[] content = files.get(path);
            OutputStream out = client.getOutputStream();
            if (content == null) {
                out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + content.length
                            + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            endless(out, content);
        } catch (IOException clientHungUp) {
            // the client gave up, as it should
        }
    }

    /** The path of the request line; the rest of the request head is read and ignored. */
    private static String requestPath(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        for (int b; !head.toString().endsWith("\r\n\r\n") && (b = in.read()) >= 0; ) {
            head.append((char) b);
        }
        String[] requestLine = head.toString().split(" ", 3);
        return requestLine.length < 2 ? "" : requestLine[1];
    }

    private static void send(HttpExchange exchange, int status, byte[] body, boolean head) throws IOException {
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        closed = true;
        front.close();
        try {
            raw.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        server.stop(0);
        threads.shutdownNow();
    }
}
