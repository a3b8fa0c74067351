package cocoon.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 serving files by path, with a strong ETag per file so a client can
 * ask {@code If-None-Match} and get a 304. It counts the full bodies it sent per path: a pull that
 * transfers nothing leaves the count alone.
 */
final class ImageHttpServer implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, Path> files;
    private final Map<String, AtomicInteger> bodies = new ConcurrentHashMap<>();

    private ImageHttpServer(HttpServer server, Map<String, Path> files) {
        this.server = server;
        this.files = Map.copyOf(files);
        this.files.keySet().forEach(path -> bodies.put(path, new AtomicInteger()));
    }

    /** Serves each file at its path ({@code /name.qcow2}); a file may appear under several paths. */
    static ImageHttpServer start(Map<String, Path> files) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ImageHttpServer images = new ImageHttpServer(server, files);
        server.createContext("/", images::handle);
        server.start();
        return images;
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** How many complete bodies were sent for {@code path} so far. */
    int bodiesSent(String path) {
        return bodies.get(path).get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Path file = files.get(exchange.getRequestURI().getPath());
            String method = exchange.getRequestMethod();
            if (file == null || (!method.equals("GET") && !method.equals("HEAD"))) {
                exchange.sendResponseHeaders(file == null ? 404 : 405, -1);
                return;
            }
            // Size and modification time name one version of the file, which is all a strong ETag must do here.
            String etag = "\"" + Files.size(file) + "-"
                    + Files.getLastModifiedTime(file).toMillis() + "\"";
            exchange.getResponseHeaders().set("ETag", etag);
            if (etag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                exchange.sendResponseHeaders(304, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            if (method.equals("HEAD")) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, Files.size(file));
            try (OutputStream body = exchange.getResponseBody()) {
                Files.copy(file, body);
            }
            bodies.get(exchange.getRequestURI().getPath()).incrementAndGet();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
