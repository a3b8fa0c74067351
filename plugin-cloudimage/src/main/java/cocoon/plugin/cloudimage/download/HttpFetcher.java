package cocoon.plugin.cloudimage.download;

import cocoon.plugin.cloudimage.DownloadException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * GET requests with bounded redirects, a connect timeout, a timeout for the response headers and,
 * while a body streams, a timeout for each stretch without bytes. Every failure becomes one
 * {@link DownloadException} line that names the URL.
 */
final class HttpFetcher implements AutoCloseable {

    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);

    /** Receives body bytes as they arrive. */
    interface Sink {
        void accept(byte[] buffer, int length) throws IOException;
    }

    private final HttpSettings settings;
    private final HttpClient client;
    private final ScheduledExecutorService watchdog;

    HttpFetcher(HttpSettings settings, SSLContext tls) {
        this.settings = settings;
        this.client = HttpClient.newBuilder()
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .sslContext(tls)
                .build();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "cloudimg-read-timeout");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The final response after redirects; its status is whatever the server said last. */
    HttpResponse<InputStream> get(URI uri, Map<String, String> headers) {
        URI current = uri;
        for (int hop = 0; ; hop++) {
            HttpResponse<InputStream> response = send(current, headers);
            if (!REDIRECTS.contains(response.statusCode())) {
                return response;
            }
            closeQuietly(response.body());
            String location = response.headers()
                    .firstValue("Location")
                    .orElseThrow(() -> new DownloadException(
                            "GET " + uri + ": HTTP " + response.statusCode() + " redirect without a Location",
                            "the server is misconfigured; use the final URL"));
            if (hop >= settings.maxRedirects()) {
                throw new DownloadException(
                        "GET " + uri + ": more than " + settings.maxRedirects() + " redirects",
                        "the server redirects in a loop; use the final URL or raise max_redirects");
            }
            URI next = current.resolve(location);
            if ("https".equals(current.getScheme()) && !"https".equals(next.getScheme())) {
                throw new DownloadException(
                        "GET " + uri + ": redirected from HTTPS to " + next,
                        "refusing to leave HTTPS; use an HTTPS mirror");
            }
            current = next;
        }
    }

    /** A small text body (a SHA256SUMS file), at most {@code limit} bytes. */
    String getText(URI uri, int limit) {
        HttpResponse<InputStream> response = get(uri, Map.of());
        if (response.statusCode() != 200) {
            closeQuietly(response.body());
            throw statusError(uri, response.statusCode());
        }
        StringBuilder text = new StringBuilder();
        copyBody(uri, response.body(), (buffer, length) -> {
            if (text.length() + length > limit) {
                throw new IOException("larger than " + limit + " bytes");
            }
            text.append(new String(buffer, 0, length, StandardCharsets.UTF_8));
        });
        return text.toString();
    }

    /**
     * Streams the body into {@code sink} and returns how many bytes came. Closes the body; a stretch
     * longer than the read timeout without bytes aborts it.
     */
    long copyBody(URI uri, InputStream body, Sink sink) {
        AtomicLong lastBytes = new AtomicLong(System.nanoTime());
        AtomicBoolean timedOut = new AtomicBoolean();
        long limitNanos = settings.readTimeout().toNanos();
        long period = Math.max(20, settings.readTimeout().toMillis() / 4);
        ScheduledFuture<?> check = watchdog.scheduleAtFixedRate(
                () -> {
                    if (System.nanoTime() - lastBytes.get() > limitNanos && timedOut.compareAndSet(false, true)) {
                        closeQuietly(body);
                    }
                },
                period,
                period,
                TimeUnit.MILLISECONDS);
        long total = 0;
        try (body) {
            byte[] buffer = new byte[128 * 1024];
            int n;
            while ((n = body.read(buffer)) >= 0) {
                lastBytes.set(System.nanoTime());
                sink.accept(buffer, n);
                total += n;
            }
            return total;
        } catch (IOException e) {
            if (timedOut.get()) {
                throw new DownloadException(
                        "GET " + uri + ": no data for " + settings.readTimeout().toSeconds() + " s after " + total
                                + " bytes",
                        "the server stalled; pull again to resume");
            }
            throw new DownloadException(
                    "GET " + uri + ": transfer broke after " + total + " bytes: " + oneLine(e),
                    "pull again to resume",
                    e);
        } finally {
            check.cancel(false);
        }
    }

    DownloadException statusError(URI uri, int status) {
        String hint = status == 404 || status == 410
                ? "check the URL; the image is not there"
                : status == 401 || status == 403
                        ? "the server refuses access to this URL"
                        : status >= 500 ? "the server failed; try again later or use another mirror" : "check the URL";
        return new DownloadException("GET " + uri + ": HTTP " + status, hint);
    }

    private HttpResponse<InputStream> send(URI uri, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(settings.readTimeout());
        headers.forEach(request::header);
        String where = uri.getHost() + ":" + port(uri);
        try {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw new DownloadException(
                    "GET " + uri + ": connecting to " + where + " timed out after "
                            + settings.connectTimeout().toSeconds() + " s",
                    "check the host and your network",
                    e);
        } catch (HttpTimeoutException e) {
            throw new DownloadException(
                    "GET " + uri + ": no response from " + where + " within "
                            + settings.readTimeout().toSeconds() + " s",
                    "the server is not answering; try again later",
                    e);
        } catch (ConnectException e) {
            throw new DownloadException(
                    "GET " + uri + ": cannot connect to " + where + " (connection refused)",
                    "check the host and port; is the server running?",
                    e);
        } catch (SSLException e) {
            throw new DownloadException(
                    "GET " + uri + ": TLS with " + where + " failed: " + oneLine(e),
                    "if the server uses a private CA, pass it with --ca-file",
                    e);
        } catch (IOException e) {
            throw new DownloadException("GET " + uri + ": " + oneLine(e), "check the URL and your network", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DownloadException("GET " + uri + ": interrupted", "pull again to resume", e);
        }
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    }

    static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getMessage() == null) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return message.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    private static void closeQuietly(InputStream body) {
        try {
            body.close();
        } catch (IOException ignored) {
            // The response is abandoned either way.
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        client.shutdownNow();
    }
}
