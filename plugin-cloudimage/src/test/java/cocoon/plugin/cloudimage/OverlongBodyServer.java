package cocoon.plugin.cloudimage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A raw HTTP/1.1 server (the JDK's refuses to break its own Content-Length) that announces
 * {@code content.length} bytes, sends them, and then keeps sending junk on the same connection
 * until the client hangs up.
 */
final class OverlongBodyServer implements AutoCloseable {

    private final ServerSocket socket;
    private final byte[] content;
    private final CountDownLatch hungUp = new CountDownLatch(1);

    OverlongBodyServer(byte[] content) throws IOException {
        this.content = content;
        this.socket = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("overlong-body").start(this::serve);
    }

    String url(String path) {
        return "http://127.0.0.1:" + socket.getLocalPort() + path;
    }

    /** Whether the client closed the connection (instead of reading the junk forever) within {@code seconds}. */
    boolean clientHungUp(long seconds) throws InterruptedException {
        return hungUp.await(seconds, TimeUnit.SECONDS);
    }

    private void serve() {
        while (!socket.isClosed()) {
            try (Socket client = socket.accept()) {
                readRequestHead(client.getInputStream());
                OutputStream out = client.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                                + content.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(content);
                byte[] junk = new byte[64 * 1024];
                while (!socket.isClosed()) {
                    out.write(junk);
                }
            } catch (IOException clientGone) {
                hungUp.countDown();
            }
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
