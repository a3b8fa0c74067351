package cocoon.plugin.chv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import cocoon.plugin.chv.api.HttpResponse;
import cocoon.plugin.chv.api.UnixHttpClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins the Cloud Hypervisor test double to what Cloud Hypervisor's source says it answers: each
 * scenario of {@code recorded-answers.json} names the source file it was read from, and is replayed
 * against the double (requests, status codes, bodies, the event-monitor file, exit status, socket).
 */
class RecordedAnswersTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration AWAIT = Duration.ofSeconds(30);

    @TempDir
    Path root;

    @TestFactory
    Stream<DynamicTest> theDoubleAnswersAsCloudHypervisorsSourceSays() throws IOException {
        JsonNode recorded;
        try (InputStream in = RecordedAnswersTest.class.getResourceAsStream("recorded-answers.json")) {
            recorded = JSON.readTree(in);
        }
        return StreamSupport.stream(recorded.get("scenarios").spliterator(), false)
                .map(scenario -> DynamicTest.dynamicTest(
                        scenario.get("name").asText() + " (v"
                                + scenario.get("version").asText() + ")",
                        () -> replay(scenario)));
    }

    private void replay(JsonNode scenario) throws Exception {
        Path dir = Files.createTempDirectory(root, "vm");
        Files.write(dir.resolve("vmlinuz"), new byte[4096]);
        Files.write(dir.resolve("disk.raw"), new byte[1 << 20]);
        Path socket = dir.resolve("api.sock");
        Path events = dir.resolve("events.json");
        List<String> argv = List.of(
                FakeChv.FAKE.toString(),
                "--api-socket",
                "path=" + socket,
                "--kernel",
                dir.resolve("vmlinuz").toString(),
                "--disk",
                "path=" + dir.resolve(scenario.path("disk").asText("disk.raw")),
                "--console",
                "pty",
                "--serial",
                "file=" + dir.resolve("serial.log"),
                "--event-monitor",
                "path=" + events);
        ProcessBuilder builder = new ProcessBuilder(argv)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(dir.resolve("stderr.txt").toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("FAKE_CHV_VERSION", scenario.get("version").asText());
        scenario.path("environment")
                .properties()
                .forEach(entry -> builder.environment()
                        .put(entry.getKey(), entry.getValue().asText()));
        Process vmm = builder.start();
        try {
            // A scenario that only waits for the exit may end before its socket could be reached at all.
            boolean asks = false;
            for (JsonNode step : scenario.get("steps")) {
                asks |= !step.has("wait");
            }
            if (asks) {
                awaitSocket(vmm, socket);
            }
            UnixHttpClient http = new UnixHttpClient(socket, Duration.ofSeconds(10));
            for (JsonNode step : scenario.get("steps")) {
                perform(step, http, vmm);
            }
            assertTrue(vmm.waitFor(AWAIT.toSeconds(), TimeUnit.SECONDS), "the VMM did not exit");
        } finally {
            vmm.destroyForcibly();
        }
        String stderr = Files.readString(dir.resolve("stderr.txt"));
        assertEquals(scenario.get("exit").asInt(), vmm.exitValue(), stderr);
        for (JsonNode expected : scenario.path("stderr")) {
            assertTrue(stderr.contains(expected.asText()), stderr);
        }
        assertEvents(scenario, Files.readString(events));
        assertEquals(scenario.get("socketAfterExit").asBoolean(), Files.exists(socket), "API socket left after exit");
    }

    /** The socket file appears at bind(), a moment before listen(): a client retries until it connects. */
    private static void awaitSocket(Process vmm, Path socket) throws InterruptedException {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        while (true) {
            try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                probe.connect(UnixDomainSocketAddress.of(socket));
                return;
            } catch (IOException e) {
                if (!vmm.isAlive() || System.nanoTime() - deadline > 0) {
                    fail("no API on " + socket + ": " + e);
                }
            }
            Thread.sleep(20);
        }
    }

    private static void perform(JsonNode step, UnixHttpClient http, Process vmm) throws Exception {
        if (step.has("request") && step.has("send")) {
            String[] request = step.get("request").asText().split(" ", -1);
            assertAnswer(
                    step,
                    http.send(
                            request[0],
                            "/api/v1/" + request[1],
                            "application/json",
                            JSON.writeValueAsBytes(step.get("send"))));
        } else if (step.has("request")) {
            assertAnswer(step, send(http, step.get("request").asText()));
        } else if (step.has("await")) {
            long deadline = System.nanoTime() + AWAIT.toNanos();
            while (true) {
                HttpResponse response = send(http, step.get("await").asText());
                if (matches(step, response)) {
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    assertAnswer(step, response);
                }
                Thread.sleep(50);
            }
        } else if (step.has("type")) {
            // What a console user types arrives at the guest; the double's guest acts on a "poweroff" line.
            JsonNode info = JSON.readTree(send(http, "GET vm.info").body());
            try (OutputStream console =
                    new FileOutputStream(info.at("/config/console/file").asText())) {
                console.write((step.get("type").asText() + "\n").getBytes(StandardCharsets.UTF_8));
            }
        } else if (step.has("signal")) {
            new ProcessBuilder("kill", "-" + step.get("signal").asText(), Long.toString(vmm.pid()))
                    .start()
                    .waitFor();
        } else if (step.has("wait")) {
            assertTrue(vmm.waitFor(AWAIT.toSeconds(), TimeUnit.SECONDS), "the VMM did not exit");
        } else {
            fail("unknown step " + step);
        }
    }

    private static HttpResponse send(UnixHttpClient http, String request) throws IOException {
        String[] parts = request.split(" ", -1);
        return http.send(parts[0], "/api/v1/" + parts[1], null, new byte[0]);
    }

    private static boolean matches(JsonNode step, HttpResponse response) {
        try {
            assertAnswer(step, response);
            return true;
        } catch (AssertionError | IOException e) {
            return false;
        }
    }

    private static void assertAnswer(JsonNode step, HttpResponse response) throws IOException {
        String said = response.status() + " " + response.bodyText();
        assertEquals(step.get("status").asInt(), response.status(), said);
        if (step.has("body")) {
            JsonNode body = step.get("body");
            if (body.isTextual() && body.asText().isEmpty()) {
                assertEquals("", response.bodyText(), said);
            } else {
                assertEquals(body, JSON.readTree(response.body()), said);
            }
        }
        if (step.has("bodyText")) {
            assertEquals(step.get("bodyText").asText(), response.bodyText(), said);
        }
        if (step.has("state")) {
            assertEquals(
                    step.get("state").asText(),
                    JSON.readTree(response.body()).get("state").asText(),
                    said);
        }
    }

    /**
     * event_monitor/src/lib.rs + vmm/src/lib.rs: each event pretty-printed, then an empty line; fields
     * timestamp {secs, nanos}, source, event, properties (null or an object).
     */
    private static void assertEvents(JsonNode scenario, String file) throws IOException {
        assertTrue(file.endsWith("}\n\n"), "each event ends with an empty line: " + file);
        List<String> lifecycle = new ArrayList<>();
        List<String> all = new ArrayList<>();
        long previous = -1;
        for (String record : file.substring(0, file.length() - 2).split("\n\n", -1)) {
            assertTrue(record.startsWith("{\n  \"timestamp\": {\n    \"secs\": "), "pretty-printed: " + record);
            JsonNode event = JSON.readTree(record);
            List<String> fields = new ArrayList<>();
            event.fieldNames().forEachRemaining(fields::add);
            assertEquals(List.of("timestamp", "source", "event", "properties"), fields, record);
            long nanos = event.at("/timestamp/secs").asLong() * 1_000_000_000L
                    + event.at("/timestamp/nanos").asLong();
            assertTrue(nanos >= previous, "timestamps never go back: " + file);
            previous = nanos;
            JsonNode properties = event.get("properties");
            assertTrue(properties.isNull() || properties.isObject(), record);
            String name =
                    event.get("source").asText() + " " + event.get("event").asText();
            all.add(properties.isObject() ? name + " " + properties.path("id").asText() : name);
            if (List.of("vmm", "vm").contains(event.get("source").asText())) {
                lifecycle.add(name);
            }
        }
        List<String> expected = new ArrayList<>();
        scenario.get("events").forEach(event -> expected.add(event.asText()));
        assertEquals(expected, lifecycle, file);
        for (Iterator<JsonNode> it = scenario.path("includes").elements(); it.hasNext(); ) {
            String included = it.next().asText();
            assertTrue(all.contains(included), included + " in " + all);
        }
    }
}
