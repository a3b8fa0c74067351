package cocoon.plugin.cloudimage;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

/**
 * A real HTTP(S) server on loopback serving test images the way mirrors do (ETag, Last-Modified,
 * Range), plus the ways servers fail: redirects, 404, short bodies, stalls.
 */
final class ImageServer implements AutoCloseable {

    /** One request as the server saw it. */
    record Request(String path, Headers headers) {
        String header(String name) {
            return headers.getFirst(name);
        }
    }

    private final HttpServer server;
    private final String scheme;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicLong bodyBytesSent = new AtomicLong();

    private ImageServer(HttpServer server, String scheme) {
        this.server = server;
        this.scheme = scheme;
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
    }

    static ImageServer http() throws IOException {
        return new ImageServer(
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0), "http");
    }

    static ImageServer https(SSLContext tls) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        return new ImageServer(server, "https");
    }

    String url(String path) {
        return scheme + "://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    long bodyBytesSent() {
        return bodyBytesSent.get();
    }

    /** Serves {@code content} with an ETag and Last-Modified; answers If-None-Match and, if asked, Range. */
    void file(String path, byte[] content, boolean ranges) {
        handle(path, exchange -> serveFile(exchange, content, ranges));
    }

    /**
     * Serves {@code content} (with Range support if {@code ranges}), but the first plain GET stalls
     * after {@code cutAt} bytes for {@code stallMillis}, longer than the client waits.
     */
    void stallingOnce(String path, byte[] content, int cutAt, long stallMillis, boolean ranges) {
        AtomicBoolean stalled = new AtomicBoolean();
        handle(path, exchange -> {
            if (exchange.getRequestHeaders().getFirst("Range") != null || !stalled.compareAndSet(false, true)) {
                serveFile(exchange, content, ranges);
                return;
            }
            validators(exchange, content, ranges);
            exchange.sendResponseHeaders(200, content.length);
            OutputStream body = exchange.getResponseBody();
            body.write(content, 0, cutAt);
            body.flush();
            bodyBytesSent.addAndGet(cutAt);
            sleep(stallMillis);
        });
    }

    /** Promises {@code content.length} bytes but sends only {@code sent}, then drops the connection. */
    void truncated(String path, byte[] content, int sent) {
        handle(path, exchange -> {
            exchange.sendResponseHeaders(200, content.length);
            OutputStream body = exchange.getResponseBody();
            body.write(content, 0, sent);
            body.flush();
            exchange.close();
        });
    }

    /** A body without a length that never ends: {@code prefix}, then filler until the client hangs up. */
    void endless(String path, byte[] prefix) {
        handle(path, exchange -> {
            exchange.sendResponseHeaders(200, 0);
            OutputStream body = exchange.getResponseBody();
            body.write(prefix);
            bodyBytesSent.addAndGet(prefix.length);
            byte[] filler = new byte[64 * 1024];
            while (true) {
                body.write(filler);
                bodyBytesSent.addAndGet(filler.length);
            }
        });
    }

    /** Announces {@code announced} bytes (a Content-Length) and streams filler towards it. */
    void announcing(String path, long announced) {
        handle(path, exchange -> {
            exchange.sendResponseHeaders(200, announced);
            OutputStream body = exchange.getResponseBody();
            byte[] filler = new byte[64 * 1024];
            for (long sent = 0; sent + filler.length <= announced; sent += filler.length) {
                body.write(filler);
                bodyBytesSent.addAndGet(filler.length);
            }
        });
    }

    /** Sends headers, then stays silent for {@code millis}. */
    void slow(String path, long millis) {
        handle(path, exchange -> {
            exchange.sendResponseHeaders(200, 1 << 20);
            exchange.getResponseBody().flush();
            sleep(millis);
        });
    }

    /** Accepts the request and never answers within {@code millis}. */
    void silent(String path, long millis) {
        handle(path, exchange -> sleep(millis));
    }

    void redirect(String path, String location, int status) {
        handle(path, exchange -> {
            exchange.getResponseHeaders().set("Location", location);
            exchange.sendResponseHeaders(status, -1);
        });
    }

    void notFound(String path) {
        handle(path, exchange -> exchange.sendResponseHeaders(404, -1));
    }

    @FunctionalInterface
    private interface Handler {
        void handle(HttpExchange exchange) throws IOException;
    }

    private void handle(String path, Handler handler) {
        server.createContext(path, exchange -> {
            requests.add(new Request(exchange.getRequestURI().getPath(), copy(exchange.getRequestHeaders())));
            try {
                if (exchange.getRequestURI().getPath().equals(path)) {
                    handler.handle(exchange);
                } else {
                    exchange.sendResponseHeaders(404, -1);
                }
            } finally {
                exchange.close();
            }
        });
    }

    private void serveFile(HttpExchange exchange, byte[] content, boolean ranges) throws IOException {
        String etag = validators(exchange, content, ranges);
        Headers in = exchange.getRequestHeaders();
        if (etag.equals(in.getFirst("If-None-Match"))) {
            exchange.sendResponseHeaders(304, -1);
            return;
        }
        String range = in.getFirst("Range");
        String ifRange = in.getFirst("If-Range");
        if (ranges && range != null && range.startsWith("bytes=") && (ifRange == null || ifRange.equals(etag))) {
            int start = Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
            if (start >= content.length) {
                exchange.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
                exchange.sendResponseHeaders(416, -1);
                return;
            }
            exchange.getResponseHeaders()
                    .set("Content-Range", "bytes " + start + "-" + (content.length - 1) + "/" + content.length);
            send(exchange, 206, content, start, content.length - start);
            return;
        }
        send(exchange, 200, content, 0, content.length);
    }

    private static String validators(HttpExchange exchange, byte[] content, boolean ranges) {
        String etag = "\"" + Integer.toHexString(Arrays.hashCode(content)) + "\"";
        Headers out = exchange.getResponseHeaders();
        out.set("ETag", etag);
        out.set("Last-Modified", "Tue, 24 Nov 2026 10:00:00 GMT");
        if (ranges) {
            out.set("Accept-Ranges", "bytes");
        }
        return etag;
    }

    private void send(HttpExchange exchange, int status, byte[] content, int offset, int length) throws IOException {
        exchange.sendResponseHeaders(status, length);
        try (OutputStream body = exchange.getResponseBody()) {
            body.write(content, offset, length);
        }
        bodyBytesSent.addAndGet(length);
    }

    private static Headers copy(Headers headers) {
        Headers copy = new Headers();
        headers.forEach(copy::put);
        return copy;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
