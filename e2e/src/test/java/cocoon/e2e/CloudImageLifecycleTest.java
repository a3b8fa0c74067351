package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The UEFI cloud demo (guest/build-cloud-demo.sh) served over real HTTP and driven only through
 * bin/cocoon: pull, list, create, start under QEMU with OVMF, the banner with the hostname from the
 * NoCloud seed, a command through the console, ACPI stop, rm and gc; conditional re-pulls, raw
 * conversion, bases shared by content, and the command {@code cocoon run} prints.
 */
class CloudImageLifecycleTest {

    private static final String QCOW2 = "/cloud-demo.qcow2";
    private static final String MIRROR = "/mirror/cloud-demo.qcow2";
    private static final String RAW = "/cloud-demo.raw";
    private static final String VM = "web1";
    /** UEFI under TCG reaches the banner in 11-50 s on a loaded 2-core machine; this leaves room for worse. */
    private static final Duration BANNER_TIMEOUT = Duration.ofMinutes(4);

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static Path qcow2;
    private static Path raw;
    private static ImageHttpServer server;
    private static CocoonCli booted;

    @BeforeAll
    static void serveTheCloudDemo() throws Exception {
        qcow2 = dir.resolve("cloud-demo.qcow2");
        raw = dir.resolve("cloud-demo.raw");
        exec(
                Duration.ofMinutes(15),
                CocoonCli.REPO.resolve("guest/build-cloud-demo.sh").toString(),
                qcow2.toString());
        exec(
                Duration.ofMinutes(2),
                "qemu-img",
                "convert",
                "-f",
                "qcow2",
                "-O",
                "raw",
                qcow2.toString(),
                raw.toString());
        server = ImageHttpServer.start(Map.of(QCOW2, qcow2, MIRROR, qcow2, RAW, raw));
    }

    @AfterAll
    static void removeTheVmAndStopServing() {
        try {
            if (booted != null) {
                // Whatever state a failed test left, this ends QEMU (power off, then kill) and removes the VM.
                booted.run(Duration.ofMinutes(2), null, "rm", "--force", VM);
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    void pullCreateStartConsoleStopRmGc() throws Exception {
        CocoonCli cocoon = new CocoonCli(dir.resolve("lifecycle"));
        String url = server.url(QCOW2);

        long t = System.nanoTime();
        cocoon.run("pull", url).ok();
        stage("pull", t);
        assertEquals(1, server.bodiesSent(QCOW2));
        String list = cocoon.run("list").ok().out();
        assertTrue(list.lines().anyMatch(line -> line.startsWith(url + " ") && line.contains(" cloudimg ")), list);

        t = System.nanoTime();
        booted = cocoon;
        cocoon.run("create", "--network", "none", "--name", VM, "--hypervisor", "qemu", "--memory", "512M", url)
                .ok();
        stage("create", t);
        JsonNode inspect = JSON.readTree(cocoon.run("inspect", VM).ok().out());
        String id = inspect.path("vm").path("id").asText();
        Path consoleLog = Path.of(inspect.path("paths").path("logDir").asText()).resolve("console.log");

        t = System.nanoTime();
        cocoon.run("start", VM).ok();
        long bannerAt = awaitConsole(consoleLog, 0, "Cocoon cloud demo ready: hostname=" + VM, BANNER_TIMEOUT);
        stage("start-to-banner", t);
        // The shell prints its prompt after the banner; typing before it is there could be lost.
        awaitConsole(consoleLog, bannerAt, "cocoon# ", Duration.ofMinutes(1));

        CocoonCli.Run console =
                cocoon.run(Duration.ofMinutes(1), "hostname\n", "console", VM).ok();
        assertTrue(
                console.out().lines().map(String::strip).anyMatch(VM::equals),
                "the guest's hostname command answers " + VM + "; console printed: " + console.out());

        t = System.nanoTime();
        cocoon.run(Duration.ofMinutes(3), null, "stop", "--timeout", "120s", VM).ok();
        stage("stop", t);
        assertTrue(
                Files.readString(consoleLog, StandardCharsets.ISO_8859_1).contains("reboot: Power down"),
                "the guest powered itself off after the ACPI button:\n" + tail(consoleLog));
        assertTrue(cocoon.run("ps").ok().out().lines().anyMatch(line -> line.contains(VM) && line.contains("stopped")));

        cocoon.run("rm", VM).ok();
        booted = null;
        cocoon.run("gc").ok();
        assertEquals(List.of(), filesNaming(cocoon.base(), id), "nothing of VM " + id + " is left");
        assertFalse(cocoon.run("ps").ok().out().contains(VM));

        CocoonCli.Run again = cocoon.run("pull", url).ok();
        assertEquals(1, server.bodiesSent(QCOW2), "a re-pull of an unchanged URL transfers nothing: " + again.err());
        assertTrue(again.err().contains("not modified"), again.err());
    }

    @Test
    void runPrintsTheUefiCommandWithOverlayAndSeedDisks() throws Exception {
        CocoonCli cocoon = new CocoonCli(dir.resolve("run"));
        String url = server.url(QCOW2);
        cocoon.run("pull", "--quiet", url).ok();
        String command = cocoon.run("run", "--hypervisor", "qemu", "--memory", "512M", url)
                .ok()
                .out();

        assertTrue(command.startsWith("qemu-system-x86_64"), command);
        assertTrue(command.contains("-m 512M"), command);
        assertTrue(
                command.contains("-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd"),
                command);
        assertTrue(command.matches("(?s).*-drive if=pflash,format=raw,unit=1,file=\\S+/OVMF_VARS\\.fd.*"), command);
        assertTrue(command.matches("(?s).*-drive if=none,id=disk0,file=\\S+/overlay\\.qcow2,format=qcow2 .*"), command);
        assertTrue(command.contains("-device virtio-blk-pci,drive=disk0,serial=cocoon-root"), command);
        assertTrue(
                command.matches("(?s).*-drive if=none,id=disk1,file=\\S+/cidata\\.img,format=raw,readonly=on .*"),
                command);
        assertTrue(command.contains("-device virtio-blk-pci,drive=disk1,serial=cidata"), command);
        assertFalse(command.contains("-kernel"), "a cloud image boots through its firmware: " + command);

        assertTrue(cocoon.run("ps").ok().out().lines().skip(1).toList().isEmpty(), "run creates no VM");
        assertEquals(List.of(), children(cocoon.root().resolve("vms")), "run writes no disks");
    }

    @Test
    void rawIsConvertedAndEqualBytesShareOneBase() throws Exception {
        CocoonCli cocoon = new CocoonCli(dir.resolve("shared"));

        CocoonCli.Run pulled = cocoon.run("pull", server.url(RAW)).ok();
        assertTrue(pulled.err().contains("converting raw to qcow2"), pulled.err());
        Path rawBase = base(cocoon, server.url(RAW));
        assertEquals(sha256(raw) + ".qcow2", rawBase.getFileName().toString(), "a base is named by the bytes served");
        JsonNode info =
                JSON.readTree(exec(Duration.ofMinutes(1), "qemu-img", "info", "--output=json", rawBase.toString()));
        assertEquals("qcow2", info.path("format").asText());
        assertEquals(Files.size(raw), info.path("virtual-size").asLong());
        assertTrue(Files.size(rawBase) < Files.size(raw) / 4, "the qcow2 base keeps only the written clusters");
        JsonNode entry = JSON.readTree(Files.readString(cocoon.root().resolve("images/cloudimg/index.json")))
                .path("images")
                .path(server.url(RAW));
        assertEquals("raw", entry.path("sourceFormat").asText(), entry.toString());

        int qcow2Bodies = server.bodiesSent(QCOW2);
        int mirrorBodies = server.bodiesSent(MIRROR);
        cocoon.run("pull", server.url(QCOW2)).ok();
        CocoonCli.Run mirror = cocoon.run("pull", server.url(MIRROR)).ok();
        assertEquals(qcow2Bodies + 1, server.bodiesSent(QCOW2));
        assertEquals(
                mirrorBodies + 1, server.bodiesSent(MIRROR), "a new URL is downloaded even when its bytes are known");
        assertTrue(mirror.err().contains("sharing its base"), mirror.err());
        Path qcow2Base = base(cocoon, server.url(QCOW2));
        assertEquals(qcow2Base, base(cocoon, server.url(MIRROR)));
        assertEquals(sha256(qcow2) + ".qcow2", qcow2Base.getFileName().toString());
        assertEquals(List.of(qcow2Base, rawBase).stream().sorted().toList(), blobs(cocoon));

        cocoon.run("delete", server.url(QCOW2)).ok();
        cocoon.run("gc").ok();
        assertTrue(Files.exists(qcow2Base), "the mirror URL still uses the shared base");
        cocoon.run("delete", server.url(MIRROR), server.url(RAW)).ok();
        cocoon.run("gc").ok();
        assertEquals(List.of(), blobs(cocoon));
    }

    /** The base disk {@code cocoon list} reports for {@code url}. */
    private static Path base(CocoonCli cocoon, String url) throws IOException {
        for (JsonNode image :
                JSON.readTree(cocoon.run("list", "--format", "json").ok().out())) {
            if (url.equals(image.path("reference").asText())) {
                assertEquals("cloudimg", image.path("kind").asText());
                Path base = Path.of(image.path("baseDisks").path(0).path("path").asText());
                try (InputStream in = Files.newInputStream(base)) {
                    assertArrayEquals(new byte[] {'Q', 'F', 'I', (byte) 0xfb}, in.readNBytes(4), base + " is qcow2");
                }
                return base;
            }
        }
        throw new AssertionError("cocoon list has no " + url);
    }

    private static List<Path> blobs(CocoonCli cocoon) throws IOException {
        return children(cocoon.root().resolve("images/cloudimg/blobs"));
    }

    private static List<Path> children(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    private static List<Path> filesNaming(Path dir, String id) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(path -> path.getFileName().toString().contains(id))
                    .toList();
        }
    }

    /** Waits until {@code text} appears in the console log past {@code from}; returns the offset just after it. */
    private static long awaitConsole(Path log, long from, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (Files.exists(log)) {
                String content = Files.readString(log, StandardCharsets.ISO_8859_1);
                int at = content.indexOf(text, (int) from);
                if (at >= 0) {
                    return (long) at + text.length();
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("no '" + text + "' on the console within " + timeout + ":\n" + tail(log));
            }
            Thread.sleep(200);
        }
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "(no console log at " + log + ")";
        }
        List<String> lines =
                Files.readString(log, StandardCharsets.ISO_8859_1).lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static void stage(String name, long startNanos) {
        System.out.printf("cloud image e2e: %-16s %6.1f s%n", name, (System.nanoTime() - startNanos) / 1e9);
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Runs a host tool, failing with its output if it fails; returns its stdout. */
    private static String exec(Duration timeout, String... command) throws Exception {
        Path out = Files.createTempFile(dir, "exec", ".out");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
        }
        String output = Files.readString(out);
        Files.delete(out);
        if (process.exitValue() != 0) {
            throw new AssertionError(
                    String.join(" ", command) + " failed with " + process.exitValue() + ":\n" + output);
        }
        return output;
    }
}
