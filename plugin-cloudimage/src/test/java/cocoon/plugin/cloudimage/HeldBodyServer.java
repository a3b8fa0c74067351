package cocoon.plugin.cloudimage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A raw HTTP/1.1 server that answers with headers announcing {@code length} bytes and then holds the
 * body back until the client hangs up, or {@code holdMillis} pass, before sending it. A client that
 * refuses on the headers alone hangs up first and is sent no body byte; one that waits for the body
 * gets it, and {@link #bodyBytesSent()} shows it.
 */
final class HeldBodyServer implements AutoCloseable {

    private final ServerSocket socket;
    private final long length;
    private final int holdMillis;
    private final AtomicLong bodyBytesSent = new AtomicLong();
    private final CountDownLatch ended = new CountDownLatch(1);

    HeldBodyServer(long length, int holdMillis) throws IOException {
        this.length = length;
        this.holdMillis = holdMillis;
        this.socket = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("held-body").start(this::serve);
    }

    String url(String path) {
        return "http://127.0.0.1:" + socket.getLocalPort() + path;
    }

    long bodyBytesSent() {
        return bodyBytesSent.get();
    }

    /** Whether the first exchange ended (the client hung up, or the whole body went out) within {@code seconds}. */
    boolean exchangeEnded(long seconds) throws InterruptedException {
        return ended.await(seconds, TimeUnit.SECONDS);
    }

    private void serve() {
        while (!socket.isClosed()) {
            try (Socket client = socket.accept()) {
                exchange(client);
            } catch (IOException clientGone) {
                // the client hung up while the body was going out
            } finally {
                ended.countDown();
            }
        }
    }

    private void exchange(Socket client) throws IOException {
        InputStream in = client.getInputStream();
        readRequestHead(in);
        OutputStream out = client.getOutputStream();
        out.write(
                ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        client.setSoTimeout(holdMillis);
        try {
            if (in.read() < 0) {
                return;
            }
        } catch (SocketTimeoutException stillWaiting) {
            // The client waits for the body: send it.
        }
        byte[] filler = new byte[64 * 1024];
        for (long sent = 0; sent < length; sent += filler.length) {
            int chunk = (int) Math.min(filler.length, length - sent);
            // Counted before the write: a client that reads the first chunk and then refuses has still been sent it.
            bodyBytesSent.addAndGet(chunk);
            out.write(filler, 0, chunk);
        }
    }

    private static void readRequestHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        for (int b; matched < end.length && (b = in.read()) >= 0; ) {
            matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
