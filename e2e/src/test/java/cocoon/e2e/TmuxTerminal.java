package cocoon.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real terminal for {@code cocoon console}: a bash in a 120x40 tmux pane on a tmux server of its
 * own (a private socket, so nothing else's tmux is touched), typed into with send-keys and read
 * back with capture-pane.
 */
final class TmuxTerminal implements AutoCloseable {

    private final String socket = "cocoon-e2e-" + UUID.randomUUID().toString().substring(0, 8);

    private TmuxTerminal() {}

    /** Starts the pane's shell with {@code environment} (cocoon's dirs) and {@code bin} first on PATH. */
    static TmuxTerminal open(Map<String, String> environment, Path bin) {
        TmuxTerminal terminal = new TmuxTerminal();
        Map<String, String> variables = new TreeMap<>(environment);
        variables.put("PATH", bin + ":" + System.getenv("PATH"));
        variables.put("PS1", "host$ ");
        // tmux hands the pane's command to sh -c; env sets the variables for bash alone.
        StringBuilder shell = new StringBuilder("exec env");
        variables.forEach((key, value) -> shell.append(' ').append(quote(key + "=" + value)));
        shell.append(" bash --norc --noprofile");
        terminal.tmux("new-session", "-d", "-x", "120", "-y", "40", shell.toString());
        terminal.awaitScreen("host$", Duration.ofSeconds(20));
        return terminal;
    }

    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** Types {@code text} and Enter. */
    void line(String text) {
        literal(text);
        tmux("send-keys", "-t", "0", "Enter");
    }

    /** Types {@code text} exactly, keys not interpreted (so {@code ~.} is a tilde and a dot). */
    void literal(String text) {
        tmux("send-keys", "-t", "0", "-l", text);
    }

    void enter() {
        tmux("send-keys", "-t", "0", "Enter");
    }

    /** The pane's visible text plus its scrollback. */
    String screen() {
        return tmux("capture-pane", "-p", "-J", "-t", "0", "-S", "-500");
    }

    String awaitScreen(String text, Duration timeout) {
        return awaitScreen(text, 1, timeout);
    }

    /** Waits until the pane shows {@code text} at least {@code times} times and returns the screen. */
    String awaitScreen(String text, int times, Duration timeout) {
        GuestFixture.await(
                timeout,
                () -> "the terminal did not show '" + text + "' " + times + " time(s) within " + timeout
                        + "; it shows:\n" + screen(),
                () -> GuestFixture.count(screen(), text) >= times);
        return screen();
    }

    private String tmux(String... args) {
        List<String> command = new ArrayList<>(List.of("tmux", "-L", socket, "-f", "/dev/null"));
        command.addAll(List.of(args));
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError("cannot run tmux: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Ends this tmux server and every process in its pane. */
    @Override
    public void close() {
        tmux("kill-server");
    }
}
