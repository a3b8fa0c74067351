package cocoon.plugin.chv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.plugin.chv.api.ApiStatusException;
import cocoon.plugin.chv.api.ChvApi;
import cocoon.plugin.chv.api.HttpResponse;
import cocoon.plugin.chv.api.UnixHttpClient;
import cocoon.plugin.chv.api.VmInfo;
import cocoon.plugin.chv.api.VmmPing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP-over-UNIX-socket client against a one-shot server that answers with canned bytes. */
class UnixHttpClientTest {

    @TempDir
    Path dir;

    private ServerSocketChannel server;

    /** Accepts one connection, reads the request head, sends {@code response} (or nothing if null), and returns the request. */
    private CompletableFuture<String> serveOnce(String response) throws IOException {
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(dir.resolve("api.sock")));
        return CompletableFuture.supplyAsync(
                () -> {
                    try (SocketChannel client = server.accept()) {
                        String request = readHead(Channels.newInputStream(client));
                        if (response != null) {
                            client.write(ByteBuffer.wrap(response.getBytes(StandardCharsets.UTF_8)));
                        } else {
                            Thread.sleep(5_000);
                        }
                        return request;
                    } catch (IOException | InterruptedException e) {
                        return "failed: " + e;
                    }
                },
                Thread::startVirtualThread);
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            head.write(c);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    @AfterEach
    void closeServer() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aContentLengthBodyIsReadExactlyEvenWhenTheServerKeepsTheConnectionOpen() throws Exception {
        String json =
                "{\"build_version\":\"v54.0.0\",\"version\":\"54.0.0\",\"pid\":4242,\"features\":[\"io_uring\",\"kvm\"]}";
        CompletableFuture<String> request = serveOnce("HTTP/1.1 200 OK\r\nServer: Cloud Hypervisor API\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + json.length() + "\r\n\r\n" + json);
        VmmPing ping = new ChvApi(dir.resolve("api.sock"), Duration.ofSeconds(2)).ping();
        assertEquals(new VmmPing("v54.0.0", "54.0.0", 4242, List.of("io_uring", "kvm")), ping);
        assertTrue(request.get().startsWith("GET /api/v1/vmm.ping HTTP/1.1\r\n"), request.get());
        assertTrue(request.get().contains("Host: localhost\r\n"), request.get());
    }

    @Test
    void aChunkedBodyIsReassembledAcrossChunksExtensionsAndTrailers() throws Exception {
        String json = "{\"config\":{\"console\":{\"file\":\"/dev/pts/7\",\"mode\":\"Pty\",\"iommu\":false},"
                + "\"serial\":{\"file\":\"/var/log/cocoon/x/serial.log\",\"mode\":\"File\"}},\"state\":\"Running\",\"memory_actual_size\":536870912}";
        String first = json.substring(0, 40);
        String second = json.substring(40);
        var unused = serveOnce("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(first.length()) + ";name=value\r\n" + first + "\r\n"
                + Integer.toHexString(second.length()) + "\r\n" + second + "\r\n"
                + "0\r\nX-Trailer: yes\r\n\r\n");
        VmInfo info = new ChvApi(dir.resolve("api.sock"), Duration.ofSeconds(2)).info();
        assertEquals("Running", info.state());
        assertEquals(new VmInfo.Console("/dev/pts/7", "Pty"), info.config().console());
        assertEquals(
                new VmInfo.Console("/var/log/cocoon/x/serial.log", "File"),
                info.config().serial());
        assertTrue(info.config().console().isPty());
    }

    @Test
    void noContentMeansAnEmptyBodyAndAPutSaysItsLengthIsZero() throws Exception {
        CompletableFuture<String> request =
                serveOnce("HTTP/1.1 204 No Content\r\nServer: Cloud Hypervisor API\r\n\r\n");
        HttpResponse response = new UnixHttpClient(dir.resolve("api.sock"), Duration.ofSeconds(2))
                .send("PUT", "/api/v1/vm.power-button", null, new byte[0]);
        assertEquals(204, response.status());
        assertArrayEquals(new byte[0], response.body());
        assertTrue(request.get().startsWith("PUT /api/v1/vm.power-button HTTP/1.1\r\n"), request.get());
        assertTrue(request.get().contains("Content-Length: 0\r\n"), request.get());
    }

    @Test
    void anErrorStatusBecomesAnExceptionCarryingStatusAndBody() throws Exception {
        // What Cloud Hypervisor (v47+) answers vm.power-button without a booted VM: 500 and the error chain as a JSON
        // array
        // (vmm/src/api/http/mod.rs error_response).
        String body = "[\"Error from API\",\"Error triggering power button\",\"VM is not running\"]";
        var unused = serveOnce(
                "HTTP/1.1 500 Internal Server Error\r\nServer: Cloud Hypervisor API\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length() + "\r\n\r\n" + body);
        ApiStatusException error = assertThrows(
                ApiStatusException.class,
                () -> new ChvApi(dir.resolve("api.sock"), Duration.ofSeconds(2)).powerButton());
        assertEquals(500, error.status());
        assertTrue(error.getMessage().contains("VM is not running"), error.getMessage());
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws Exception {
        var unused = serveOnce(null);
        long start = System.nanoTime();
        IOException error = assertThrows(
                IOException.class, () -> new ChvApi(dir.resolve("api.sock"), Duration.ofMillis(300)).info());
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMillis < 3_000, "took " + tookMillis + " ms");
        assertTrue(error.getMessage().contains("no answer"), error.getMessage());
    }

    @Test
    void aMissingSocketFailsAtOnce() {
        assertThrows(IOException.class, () -> new ChvApi(dir.resolve("absent.sock"), Duration.ofSeconds(2)).ping());
    }
}
