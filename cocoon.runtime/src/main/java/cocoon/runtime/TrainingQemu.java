package cocoon.runtime;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code qemu-system-x86_64} for the training of the store cache only: train-aot puts a script of that name first on
 * PATH that runs this class (JDK classes only, from the class path) with QEMU's arguments. It serves the QMP socket
 * {@code -qmp} names and answers the commands Cocoon sends as QEMU 7.2's QMP reference has them, so {@code start},
 * {@code ps}, {@code inspect}, {@code snapshot save}, {@code clone} and {@code stop} of a QEMU VM run their whole QMP
 * conversations in the training JVM: without it they loaded the QMP client and its Jackson binding from the jars on
 * every use. No guest runs: the run state is a word, the migration stream a few bytes written by the {@code exec:}
 * command QEMU would run. Like QEMU it deletes its pid file and socket when it quits or the guest powers off.
 */
final class TrainingQemu {

    /** Ends a stand-in a failed training never stopped, so no assembly leaves one behind. */
    private static final Duration LIFETIME = Duration.ofMinutes(2);

    private static final String VERSION_LINE = "QEMU emulator version 7.2.0 (the start-up training's stand-in)";
    private static final Pattern EXECUTE = Pattern.compile("\"execute\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern URI = Pattern.compile("\"uri\"\\s*:\\s*\"exec:((?:[^\"\\\\]|\\\\.)*)\"");

    private final Path socket;
    private final Path pidFile;
    private String status;
    private String migration = "none";

    private TrainingQemu(Path socket, Path pidFile, boolean incoming) {
        this.socket = socket;
        this.pidFile = pidFile;
        this.status = incoming ? "inmigrate" : "running";
    }

    /** QEMU's arguments: {@code --version} and {@code -machine help} are answered, anything with {@code -qmp} runs. */
    public static void main(String[] args) throws IOException {
        List<String> argv = List.of(args);
        if (argv.contains("--version")) {
            System.out.println(VERSION_LINE);
            return;
        }
        if (argv.contains("help")) {
            System.out.println("Supported machines are:");
            System.out.println("q35                  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-7.2)");
            System.out.println("pc-q35-7.2           Standard PC (Q35 + ICH9, 2009)");
            return;
        }
        String qmp = valueOf(argv, "-qmp");
        String pidFile = valueOf(argv, "-pidfile");
        if (qmp == null || !qmp.startsWith("unix:") || pidFile == null) {
            System.err.println("training stand-in: no -qmp unix:PATH,... or -pidfile in " + argv);
            System.exit(1);
        }
        Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(LIFETIME);
            } catch (InterruptedException e) {
                return;
            }
            System.exit(1);
        });
        new TrainingQemu(Path.of(unixPath(qmp)), Path.of(pidFile), argv.contains("-incoming")).serve();
    }

    private static String valueOf(List<String> argv, String option) {
        int at = argv.indexOf(option);
        return at >= 0 && at + 1 < argv.size() ? argv.get(at + 1) : null;
    }

    /** The path of {@code unix:PATH,server=on,...}, where QEMU's option syntax doubles a comma inside a value. */
    private static String unixPath(String option) {
        StringBuilder path = new StringBuilder();
        String rest = option.substring("unix:".length());
        for (int i = 0; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c == ',') {
                if (i + 1 < rest.length() && rest.charAt(i + 1) == ',') {
                    i++;
                } else {
                    break;
                }
            }
            path.append(c);
        }
        return path.toString();
    }

    /** One client at a time, as QEMU's monitor: the others wait in the backlog. */
    private void serve() throws IOException {
        Files.deleteIfExists(socket);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            while (true) {
                try (SocketChannel client = server.accept()) {
                    converse(client);
                }
            }
        }
    }

    private void converse(SocketChannel client) throws IOException {
        OutputStream out = Channels.newOutputStream(client);
        BufferedReader in =
                new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
        send(
                out,
                "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"\"},"
                        + " \"capabilities\": [\"oob\"]}}");
        boolean negotiated = false;
        String line;
        while ((line = in.readLine()) != null) {
            Matcher execute = EXECUTE.matcher(line);
            if (!execute.find()) {
                send(out, error("GenericError", "QMP input member 'execute' is missing"));
                continue;
            }
            String command = execute.group(1);
            if (!negotiated) {
                negotiated = command.equals("qmp_capabilities");
                send(
                        out,
                        negotiated
                                ? "{\"return\": {}}"
                                : error(
                                        "CommandNotFound",
                                        "Expecting capabilities negotiation with 'qmp_capabilities'"));
                continue;
            }
            answer(command, line, out);
        }
    }

    private void answer(String command, String line, OutputStream out) throws IOException {
        switch (command) {
            case "query-status" -> {
                send(
                        out,
                        "{\"return\": {\"status\": \"" + status + "\", \"singlestep\": false, \"running\": "
                                + status.equals("running") + "}}");
                if (status.equals("inmigrate")) {
                    // Asked again, the stream has been read: an incoming VM waits paused for cont.
                    status = "paused";
                }
            }
            case "stop" -> {
                status = "paused";
                send(out, event("STOP", ""));
                send(out, "{\"return\": {}}");
            }
            case "cont" -> {
                status = "running";
                send(out, event("RESUME", ""));
                send(out, "{\"return\": {}}");
            }
            case "migrate-set-parameters" -> send(out, "{\"return\": {}}");
            case "migrate" -> migrate(line, out);
            case "query-migrate" -> {
                send(out, "{\"return\": {\"status\": \"" + migration + "\"}}");
                if (migration.equals("active")) {
                    migration = "completed";
                    status = "postmigrate";
                }
            }
            case "query-version" ->
                send(out, "{\"return\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"\"}}");
            case "query-kvm" -> send(out, "{\"return\": {\"enabled\": false, \"present\": false}}");
            case "qom-get" -> send(out, "{\"return\": \"pc-q35-7.2-machine\"}");
            case "system_powerdown" -> {
                send(out, "{\"return\": {}}");
                send(out, event("POWERDOWN", ""));
                send(out, event("SHUTDOWN", ", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}"));
                exit();
            }
            case "quit" -> {
                send(out, "{\"return\": {}}");
                send(out, event("SHUTDOWN", ", \"data\": {\"guest\": false, \"reason\": \"host-qmp-quit\"}"));
                exit();
            }
            default -> send(out, error("CommandNotFound", "The command " + command + " has not been found"));
        }
    }

    /** Runs the {@code exec:} command with {@code /bin/sh -c}, as QEMU does, and writes a stream's magic to it. */
    private void migrate(String line, OutputStream out) throws IOException {
        Matcher uri = URI.matcher(line);
        if (!uri.find()) {
            send(out, error("GenericError", "only exec: migration is trained"));
            return;
        }
        String shell = uri.group(1).replace("\\\"", "\"").replace("\\\\", "\\");
        Process cat = new ProcessBuilder("/bin/sh", "-c", shell)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try (OutputStream stream = cat.getOutputStream()) {
            // QEMU_VM_FILE_MAGIC and version 3, the head of every QEMU migration stream.
            stream.write(new byte[] {'Q', 'E', 'V', 'M', 0, 0, 0, 3});
        }
        try {
            if (!cat.waitFor(10, TimeUnit.SECONDS)) {
                cat.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        migration = cat.isAlive() || cat.exitValue() != 0 ? "failed" : "active";
        send(out, "{\"return\": {}}");
    }

    /** As QEMU on a clean exit: its pid file and listening socket go with it. */
    private void exit() throws IOException {
        Files.deleteIfExists(pidFile);
        Files.deleteIfExists(socket);
        System.exit(0);
    }

    private static String event(String name, String data) {
        Instant now = Instant.now();
        return "{\"timestamp\": {\"seconds\": " + now.getEpochSecond() + ", \"microseconds\": " + now.getNano() / 1000
                + "}, \"event\": \"" + name + "\"" + data + "}";
    }

    private static String error(String errorClass, String desc) {
        return "{\"error\": {\"class\": \"" + errorClass + "\", \"desc\": \"" + desc + "\"}}";
    }

    /** QEMU ends every message with CR LF. */
    private static void send(OutputStream out, String json) throws IOException {
        out.write((json + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
