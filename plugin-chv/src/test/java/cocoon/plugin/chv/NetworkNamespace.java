package cocoon.plugin.chv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A network namespace a test makes and deletes (DESIGN §6): a TAP made in it, and a hypervisor started in it,
 * never touch the host's own network. Deleting the namespace removes every device made inside.
 */
final class NetworkNamespace implements AutoCloseable {

    private final String name;

    private NetworkNamespace(String name) {
        this.name = name;
    }

    /** Making namespaces and devices needs CAP_NET_ADMIN and CAP_SYS_ADMIN, so in practice root, and {@code ip}. */
    static boolean canCreate() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(
                            line.substring("CapEff:".length()).strip(), 16);
                    long needed = (1L << 12) | (1L << 21);
                    return (caps & needed) == needed && onPath("ip");
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean onPath(String program) {
        return Pattern.compile(":")
                .splitAsStream(System.getenv().getOrDefault("PATH", ""))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, program)));
    }

    /** {@code ip netns add}, named after this JVM so parallel runs never share one. */
    static NetworkNamespace create(String purpose) throws IOException, InterruptedException {
        String name = "cocoon-" + purpose + "-" + ProcessHandle.current().pid();
        run(List.of("ip", "netns", "add", name));
        return new NetworkNamespace(name);
    }

    /** Runs {@code command} inside the namespace and returns what it printed; a failure is the test's failure. */
    String exec(String... command) throws IOException, InterruptedException {
        List<String> inside = new ArrayList<>(launcher());
        inside.addAll(List.of(command));
        return run(inside);
    }

    /**
     * The words that run a program inside the namespace. {@code ip netns exec} execs it (no fork), so the pid a
     * launcher sees is the program's own, and the program sees the namespace's devices under /sys/class/net.
     */
    List<String> launcher() {
        return List.of("ip", "netns", "exec", name);
    }

    /** A script at {@code script} that runs {@code program} inside the namespace, through {@link #launcher()}. */
    Path wrap(Path program, Path script) throws IOException {
        Files.writeString(script, "#!/bin/sh\nexec " + String.join(" ", launcher()) + " '" + program + "' \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    @Override
    public void close() throws IOException {
        try {
            run(List.of("ip", "netns", "del", name));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String run(List<String> argv) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", argv) + " failed: " + out);
        }
        return out;
    }
}
