package cocoon.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the assembled {@code bin/cocoon} with its own root, run and log dirs, as a user would. */
final class CocoonCli {

    /** What one command printed and how it exited. */
    record Run(int exit, String out, String err) {
        Run ok() {
            if (exit != 0) {
                throw new AssertionError("expected success, got exit " + exit + "\nstdout: " + out + "\nstderr: " + err);
            }
            return this;
        }
    }

    static final Path IMAGE = Path.of(System.getProperty("cocoon.image", "../distribution/target/cocoon")).toAbsolutePath().normalize();
    static final Path REPO = Path.of(System.getProperty("cocoon.repo", "..")).toAbsolutePath().normalize();

    private final Path base;
    private final Map<String, String> env = new HashMap<>();

    CocoonCli(Path base) {
        this.base = base;
        env.put("COCOON_ROOT_DIR", base.resolve("root").toString());
        env.put("COCOON_RUN_DIR", base.resolve("run").toString());
        env.put("COCOON_LOG_DIR", base.resolve("log").toString());
        env.put("COCOON_CONFIG", config(base).toString());
    }

    Path root() {
        return base.resolve("root");
    }

    Path base() {
        return base;
    }

    /** The variables every command runs with (its dirs and config), for a terminal that runs cocoon itself. */
    Map<String, String> environment() {
        return Map.copyOf(env);
    }

    CocoonCli env(String key, String value) {
        env.put(key, value);
        return this;
    }

    Run run(String... args) {
        return run(Duration.ofMinutes(5), null, args);
    }

    Run run(Duration timeout, String stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(IMAGE.resolve("bin/cocoon").toString());
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(base, "out", ".txt");
            Path err = Files.createTempFile(base, "err", ".txt");
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            builder.environment().putAll(env);
            if (stdin == null) {
                builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            }
            Process process = builder.start();
            if (stdin != null) {
                try (var in = process.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("cocoon " + String.join(" ", args) + " did not finish within " + timeout
                        + "\nstdout: " + Files.readString(out) + "\nstderr: " + Files.readString(err));
            }
            Run run = new Run(process.exitValue(), Files.readString(out), Files.readString(err));
            Files.delete(out);
            Files.delete(err);
            return run;
        } catch (IOException e) {
            throw new AssertionError("cannot run cocoon: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** An empty config file, so a host-wide /etc/cocoon/config.toml never leaks into a test. */
    private static Path config(Path base) {
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
