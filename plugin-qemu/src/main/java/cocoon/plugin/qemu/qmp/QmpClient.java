package cocoon.plugin.qemu.qmp;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;

/**
 * A QMP session over QEMU's UNIX socket: greeting, capabilities negotiation, then one command at a
 * time. Every wait is bounded by the timeout the session was opened with, so a wedged QEMU (or a
 * second client queued behind another) cannot hang the CLI.
 */
public final class QmpClient implements AutoCloseable {

    /** How QEMU's greeting line starts: {@code {"QMP": {"version": ...}}}. */
    private static final String GREETING = "{\"QMP\"";

    /** Built on first use, so {@link #greets} never pays for it. */
    private static final class Mapper {
        static final ObjectMapper JSON =
                new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    }

    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final long timeoutNanos;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(16 * 1024);
    private final ByteArrayOutputStream partialLine = new ByteArrayOutputStream();
    private final Deque<byte[]> lines = new ArrayDeque<>();

    private QmpClient(SocketChannel channel, Selector selector, Duration timeout) throws IOException {
        this.channel = channel;
        this.selector = selector;
        this.key = channel.register(selector, SelectionKey.OP_CONNECT);
        this.timeoutNanos = timeout.toNanos();
    }

    /** Connects, reads the greeting and negotiates capabilities; fails with IOException if QEMU is not (yet) there. */
    public static QmpClient connect(Path socket, Duration timeout) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector selector = null;
        QmpClient client = null;
        try {
            channel.configureBlocking(false);
            selector = Selector.open();
            client = new QmpClient(channel, selector, timeout);
            long deadline = System.nanoTime() + client.timeoutNanos;
            client.finishConnect(UnixDomainSocketAddress.of(socket), deadline);
            JsonNode greeting = client.readMessage(deadline);
            if (!greeting.has("QMP")) {
                throw new IOException("not a QMP greeting on " + socket + ": " + greeting);
            }
            client.execute(QmpCommand.CAPABILITIES);
            return client;
        } catch (IOException | RuntimeException e) {
            if (client != null) {
                client.close();
            } else {
                channel.close();
                if (selector != null) {
                    selector.close();
                }
            }
            throw e;
        }
    }

    /**
     * Whether QEMU's monitor is up: connects and reads the greeting, then hangs up without negotiating.
     * What {@code start} waits for; it needs no JSON binding, which a cold JVM pays tens of ms to set up.
     */
    public static boolean greets(Path socket, Duration timeout) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            channel.configureBlocking(false);
            QmpClient client = new QmpClient(channel, selector, timeout);
            long deadline = System.nanoTime() + client.timeoutNanos;
            client.finishConnect(UnixDomainSocketAddress.of(socket), deadline);
            return client.readLine(deadline).strip().startsWith(GREETING);
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends the command and returns its result; async events that arrive meanwhile are skipped. */
    public <R> R execute(QmpCommand<R> command) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        send(Mapper.JSON.writeValueAsBytes(new QmpCommand.Request(command.execute(), command.arguments())), deadline);
        while (true) {
            JsonNode message = readMessage(deadline);
            if (message.has("return")) {
                return Mapper.JSON.convertValue(message.get("return"), command.returns());
            }
            if (message.has("error")) {
                throw new QmpErrorException(
                        command.execute(), Mapper.JSON.treeToValue(message.get("error"), QmpCommand.ErrorReply.class));
            }
            if (!message.has("event")) {
                throw new IOException("unexpected QMP message while waiting for " + command.execute() + ": " + message);
            }
        }
    }

    private void finishConnect(UnixDomainSocketAddress address, long deadline) throws IOException {
        if (channel.connect(address)) {
            key.interestOps(SelectionKey.OP_READ);
            return;
        }
        while (!channel.finishConnect()) {
            await(SelectionKey.OP_CONNECT, deadline, "connecting to " + address);
        }
        key.interestOps(SelectionKey.OP_READ);
    }

    private void send(byte[] json, long deadline) throws IOException {
        ByteBuffer out =
                ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        while (out.hasRemaining()) {
            if (channel.write(out) == 0) {
                await(SelectionKey.OP_WRITE, deadline, "sending to QMP");
            }
        }
    }

    /** QMP frames every message as one line of JSON. */
    private JsonNode readMessage(long deadline) throws IOException {
        return Mapper.JSON.readTree(readLine(deadline));
    }

    private String readLine(long deadline) throws IOException {
        while (true) {
            byte[] line = lines.poll();
            if (line != null) {
                if (isBlank(line)) {
                    continue;
                }
                return new String(line, StandardCharsets.UTF_8);
            }
            readBuffer.clear();
            int read = channel.read(readBuffer);
            if (read < 0) {
                throw new EOFException("QMP connection closed by QEMU");
            }
            if (read == 0) {
                await(SelectionKey.OP_READ, deadline, "waiting for QMP");
                continue;
            }
            readBuffer.flip();
            while (readBuffer.hasRemaining()) {
                byte b = readBuffer.get();
                if (b == '\n') {
                    lines.add(partialLine.toByteArray());
                    partialLine.reset();
                } else {
                    partialLine.write(b);
                }
            }
        }
    }

    private void await(int ops, long deadline, String what) throws IOException {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            throw new SocketTimeoutException(
                    what + ": no answer within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        }
        key.interestOps(ops);
        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
        selector.selectedKeys().clear();
    }

    private static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (!Character.isWhitespace(b)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
