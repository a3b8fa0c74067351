package cocoon.plugin.chv.api;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Minimal HTTP/1.1 over a UNIX stream socket: one request per connection, bodies framed by
 * Content-Length or chunked transfer encoding, and a deadline for the whole exchange.
 */
public final class UnixHttpClient {

    private static final int MAX_HEADER_LINE = 8192;

    private final Path socket;
    private final Duration timeout;

    public UnixHttpClient(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    public Path socket() {
        return socket;
    }

    public HttpResponse send(String method, String target, String contentType, byte[] body) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            // Blocking channels have no read timeout; closing the channel from a timer unblocks them.
            Thread deadline = Thread.ofVirtual().start(() -> closeAfter(channel, timeout));
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                writeRequest(channel, method, target, contentType, body);
                return readResponse(new BufferedInputStream(Channels.newInputStream(channel)), method);
            } catch (AsynchronousCloseException e) {
                throw new IOException(
                        method + " " + target + " got no answer on " + socket + " within " + timeout.toMillis() + " ms",
                        e);
            } finally {
                deadline.interrupt();
            }
        }
    }

    private static void closeAfter(SocketChannel channel, Duration timeout) {
        try {
            Thread.sleep(timeout);
            channel.close();
        } catch (InterruptedException | IOException e) {
            // Interrupted: the exchange finished in time. A failed close leaves nothing to undo.
        }
    }

    private static void writeRequest(
            SocketChannel channel, String method, String target, String contentType, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder()
                .append(method)
                .append(' ')
                .append(target)
                .append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\n")
                .append("Accept: application/json\r\n")
                .append("Connection: close\r\n");
        if (body.length > 0 || !method.equals("GET")) {
            if (contentType != null) {
                head.append("Content-Type: ").append(contentType).append("\r\n");
            }
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        ByteBuffer buffer = ByteBuffer.allocate(head.length() + body.length);
        buffer.put(head.toString().getBytes(StandardCharsets.US_ASCII))
                .put(body)
                .flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    static HttpResponse readResponse(InputStream in, String method) throws IOException {
        String statusLine = readLine(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + statusLine);
        }
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad HTTP status line: " + statusLine, e);
        }
        Map<String, String> headers = new HashMap<>();
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("bad HTTP header: " + line);
            }
            headers.put(
                    line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).strip());
        }
        return new HttpResponse(
                status, parts.length > 2 ? parts[2] : "", headers, readBody(in, method, status, headers));
    }

    private static byte[] readBody(InputStream in, String method, int status, Map<String, String> headers)
            throws IOException {
        if (method.equals("HEAD") || status == 204 || status == 304 || status / 100 == 1) {
            return new byte[0];
        }
        String encoding = headers.getOrDefault("transfer-encoding", "");
        if (encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            return readChunked(in);
        }
        String length = headers.get("content-length");
        if (length != null) {
            try {
                return readExactly(in, Integer.parseInt(length));
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length: " + length, e);
            }
        }
        return in.readAllBytes();
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(in);
            int extension = sizeLine.indexOf(';');
            String hex = (extension >= 0 ? sizeLine.substring(0, extension) : sizeLine).strip();
            int size;
            try {
                size = Integer.parseInt(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size: " + sizeLine, e);
            }
            if (size == 0) {
                // Trailer fields, if any, end with an empty line.
                while (!readLine(in).isEmpty()) {
                    // a trailer field: dropped
                }
                return body.toByteArray();
            }
            body.write(readExactly(in, size));
            if (!readLine(in).isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
        }
    }

    private static byte[] readExactly(InputStream in, int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length != length) {
            throw new EOFException("body ended after " + bytes.length + " of " + length + " bytes");
        }
        return bytes;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed in the middle of the response");
            }
            if (c == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            if (line.length() >= MAX_HEADER_LINE) {
                throw new IOException("HTTP line longer than " + MAX_HEADER_LINE + " bytes");
            }
            line.append((char) c);
        }
    }
}
