package cocoon.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs the assembled {@code bin/cocoon} with its own root, run and log dirs and config file, as a
 * user would: to completion, or in the background as a process a test may kill.
 */
public class CocoonCli {

    /** What one command printed and how it exited. */
    public record Run(int exit, String out, String err) {
        public Run ok() {
            if (exit != 0) {
                throw new AssertionError(
                        "expected success, got exit " + exit + "\nstdout: " + out + "\nstderr: " + err);
            }
            return this;
        }
    }

    public static final Path IMAGE = Path.of(System.getProperty("cocoon.image", "../distribution/target/cocoon"))
            .toAbsolutePath()
            .normalize();
    public static final Path REPO =
            Path.of(System.getProperty("cocoon.repo", "..")).toAbsolutePath().normalize();

    /** Where each background command writes its output, by pid. */
    private static final Map<Long, Path[]> OUTPUT = new ConcurrentHashMap<>();

    private final Path base;
    private final Map<String, String> env = new HashMap<>();
    /** What runs cocoon, such as {@code ip netns exec NS}; empty to run it straight. */
    private final List<String> launcher;

    public CocoonCli(Path base) {
        this(base, List.of());
    }

    private CocoonCli(Path base, List<String> launcher) {
        this.base = base;
        this.launcher = List.copyOf(launcher);
        env.put("COCOON_ROOT_DIR", root().toString());
        env.put("COCOON_RUN_DIR", runDir().toString());
        env.put("COCOON_LOG_DIR", logDir().toString());
        env.put("COCOON_CONFIG", emptyConfig(base).toString());
    }

    /** The same state and config, every command (and so every hypervisor it starts) run inside network namespace {@code ns}. */
    public CocoonCli inNetworkNamespace(String ns) {
        CocoonCli inside = new CocoonCli(base, List.of("ip", "netns", "exec", ns));
        inside.env.putAll(env);
        return inside;
    }

    public Path base() {
        return base;
    }

    public final Path root() {
        return base.resolve("root");
    }

    public final Path runDir() {
        return base.resolve("run");
    }

    public final Path logDir() {
        return base.resolve("log");
    }

    public Path configFile() {
        return base.resolve("config.toml");
    }

    /** Replaces the config file every command reads. */
    public void config(String toml) throws IOException {
        Files.writeString(configFile(), toml);
    }

    /** The variables every command runs with (its dirs and config), for a terminal that runs cocoon itself. */
    Map<String, String> environment() {
        return Map.copyOf(env);
    }

    CocoonCli env(String key, String value) {
        env.put(key, value);
        return this;
    }

    public Run run(String... args) {
        return run(Duration.ofMinutes(5), null, args);
    }

    /** Runs with a time limit and, unless {@code stdin} is null, that text as standard input. */
    public Run run(Duration timeout, String stdin, String... args) {
        try {
            Process process = start(stdin != null, args);
            if (stdin != null) {
                try (var in = process.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                Run partial = collect(process);
                throw new AssertionError("cocoon " + String.join(" ", args) + " did not finish within " + timeout
                        + "\nstdout: " + partial.out() + "\nstderr: " + partial.err());
            }
            return collect(process);
        } catch (IOException e) {
            throw new AssertionError("cannot run cocoon: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Starts {@code cocoon args} in the background, stdin from /dev/null; {@link #collect} reads its result. */
    public Process spawn(String... args) throws IOException {
        return start(false, args);
    }

    /** The exit code and output of a finished process {@link #spawn} started. */
    public Run collect(Process process) throws IOException {
        Path[] files = OUTPUT.remove(process.pid());
        Run run = new Run(process.exitValue(), Files.readString(files[0]), Files.readString(files[1]));
        Files.deleteIfExists(files[0]);
        Files.deleteIfExists(files[1]);
        return run;
    }

    /** The launcher execs java, so SIGKILL hits the cocoon JVM itself and nothing else. */
    public static void kill(Process process) throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    private Process start(boolean withStdin, String... args) throws IOException {
        List<String> command = new ArrayList<>(launcher);
        command.add(IMAGE.resolve("bin/cocoon").toString());
        command.addAll(List.of(args));
        Path out = Files.createTempFile(base, "out", ".txt");
        Path err = Files.createTempFile(base, "err", ".txt");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putAll(env);
        if (!withStdin) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        Process process = builder.start();
        OUTPUT.put(process.pid(), new Path[] {out, err});
        return process;
    }

    /** An empty config file, so a host-wide /etc/cocoon/config.toml never leaks into a test. */
    private static Path emptyConfig(Path base) {
        try {
            Files.createDirectories(base);
            Path file = base.resolve("config.toml");
            if (!Files.exists(file)) {
                Files.writeString(file, "# test config\n");
            }
            return file;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
