package cocoon.e2e.reliability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * A loopback mirror of disk images as real ones behave (strong ETag, {@code Range} with
 * {@code If-Range}), sending at a bounded rate so that a kill can land in the middle of a download.
 */
final class CloudImageServer implements AutoCloseable {

    private static final int CHUNK = 256 << 10;

    private final HttpServer server;
    private final Map<String, Path> files = new ConcurrentHashMap<>();
    private final long chunkPauseMillis;

    /** Sends about {@code bytesPerSecond}. */
    CloudImageServer(long bytesPerSecond) throws IOException {
        this.chunkPauseMillis = Math.max(1, CHUNK * 1000L / bytesPerSecond);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::answer);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
    }

    /** Serves {@code file} at {@code path}; returns its URL. */
    String serve(String path, Path file) {
        files.put(path, file);
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            Path file = files.get(exchange.getRequestURI().getPath());
            if (file == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            long size = Files.size(file);
            String etag = "\"" + size + "-" + Files.getLastModifiedTime(file).toMillis() + "\"";
            exchange.getResponseHeaders().set("ETag", etag);
            exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
            if (etag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                exchange.sendResponseHeaders(304, -1);
                return;
            }
            String range = exchange.getRequestHeaders().getFirst("Range");
            String ifRange = exchange.getRequestHeaders().getFirst("If-Range");
            long start = 0;
            if (range != null && range.matches("bytes=\\d+-") && (ifRange == null || ifRange.equals(etag))) {
                start = Long.parseLong(range.substring(6, range.length() - 1));
                if (start >= size) {
                    exchange.getResponseHeaders().set("Content-Range", "bytes */" + size);
                    exchange.sendResponseHeaders(416, -1);
                    return;
                }
                exchange.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (size - 1) + "/" + size);
                exchange.sendResponseHeaders(206, size - start);
            } else {
                exchange.sendResponseHeaders(200, size);
            }
            try (InputStream in = Files.newInputStream(file);
                    OutputStream out = exchange.getResponseBody()) {
                in.skipNBytes(start);
                byte[] chunk = new byte[CHUNK];
                for (int n; (n = in.read(chunk)) > 0; ) {
                    out.write(chunk, 0, n);
                    Thread.sleep(chunkPauseMillis);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } catch (IOException clientHungUp) {
            // a killed pull: the next one resumes
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
