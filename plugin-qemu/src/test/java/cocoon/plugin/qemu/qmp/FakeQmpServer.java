package cocoon.plugin.qemu.qmp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A UNIX-socket peer that plays QEMU's side of one QMP session from a script. */
final class FakeQmpServer implements AutoCloseable {

    static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
            + "\"package\": \"\"}, \"capabilities\": [\"oob\"]}}";

    /** One side of the conversation: read what the client sent, write what QEMU would. */
    interface Script {
        void play(Session session) throws IOException, InterruptedException;
    }

    final class Session {
        private final BufferedReader in;
        private final OutputStream out;

        private Session(SocketChannel channel) {
            this.in =
                    new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            this.out = Channels.newOutputStream(channel);
        }

        /** The next request line, also kept for the test to inspect; null once the client has hung up. */
        String receive() throws IOException {
            String line = in.readLine();
            if (line != null) {
                received.add(line);
            }
            return line;
        }

        /** Reads, and keeps, whatever the client sends until it hangs up: a silent peer that still listens. */
        void listenUntilHangUp() throws IOException {
            while (receive() != null) {
                // every line is kept by receive()
            }
        }

        /** Raw bytes, so a test can split one message across writes. */
        void sendRaw(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        void send(String json) throws IOException {
            sendRaw(json + "\r\n");
        }
    }

    final List<String> received = new CopyOnWriteArrayList<>();
    private final ServerSocketChannel server;
    private final Thread thread;

    FakeQmpServer(Path socket, Script script) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        thread = Thread.ofVirtual().start(() -> {
            try (SocketChannel channel = server.accept()) {
                script.play(new Session(channel));
            } catch (IOException | InterruptedException | RuntimeException e) {
                // the client hung up or the test closed the server: the script simply ends
            }
        });
    }

    /** Waits for the script to end (the client hung up or the script finished); false if it is still playing. */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        return thread.join(timeout);
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            // Kept, not thrown: thrown from close it could end up suppressed under the body's exception and be lost.
            Thread.currentThread().interrupt();
        }
    }
}
