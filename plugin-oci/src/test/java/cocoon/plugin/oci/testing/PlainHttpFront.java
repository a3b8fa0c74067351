package cocoon.plugin.oci.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The front door of a test HTTP server, as a plain-HTTP registry behaves: it hangs up on a TLS
 * handshake at once, so a client that tries HTTPS first (jib does) falls back to HTTP instead of
 * waiting for a timeout; anything else is spliced through to the server.
 */
public final class PlainHttpFront implements AutoCloseable {

    private static final int TLS_HANDSHAKE = 0x16;

    private final ServerSocket front;
    private final int serverPort;

    private PlainHttpFront(ServerSocket front, int serverPort) {
        this.front = front;
        this.serverPort = serverPort;
    }

    /** Listens on a free loopback port in front of {@code server}. */
    public static PlainHttpFront before(HttpServer server) throws IOException {
        PlainHttpFront door = new PlainHttpFront(
                new ServerSocket(0, 50, InetAddress.getLoopbackAddress()),
                server.getAddress().getPort());
        Thread.ofVirtual().start(door::acceptLoop);
        return door;
    }

    /** {@code 127.0.0.1:<port>} of the front door. */
    public String host() {
        return "127.0.0.1:" + front.getLocalPort();
    }

    private void acceptLoop() {
        while (!front.isClosed()) {
            try {
                Socket client = front.accept();
                Thread.ofVirtual().start(() -> splice(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void splice(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            int first = in.read();
            if (first < 0 || first == TLS_HANDSHAKE) {
                return;
            }
            try (Socket back = new Socket(InetAddress.getLoopbackAddress(), serverPort)) {
                back.getOutputStream().write(first);
                Thread pump = Thread.ofVirtual().start(() -> pipe(in, back));
                pipe(back.getInputStream(), client);
                pump.join();
            }
        } catch (IOException | InterruptedException e) {
            // the client or the server hung up
        }
    }

    private static void pipe(InputStream from, Socket to) {
        try {
            from.transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            // one side closed
        }
    }

    @Override
    public void close() {
        try {
            front.close();
        } catch (IOException ignored) {
            // closing a listening socket only fails if it is already closed
        }
    }
}
