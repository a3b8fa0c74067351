package cocoon.e2e.reliability;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Cocoon installation under a temp folder (root, run and log dirs, a config file that points
 * {@code [chv] binary} at the Cloud Hypervisor test double), driven through {@code bin/cocoon}
 * either to completion or as a process the test may kill.
 */
final class Cocoon {

    static final Path IMAGE = Path.of(System.getProperty("cocoon.image", "../distribution/target/cocoon")).toAbsolutePath().normalize();
    static final Path REPO = Path.of(System.getProperty("cocoon.repo", "..")).toAbsolutePath().normalize();
    static final Path FAKE_CHV = REPO.resolve("testing/fake-cloud-hypervisor/cloud-hypervisor");

    /** What one command printed and how it exited. */
    record Run(int exit, String out, String err) {
        Run ok() {
            if (exit != 0) {
                throw new AssertionError("expected success, got exit " + exit + "\nstdout: " + out + "\nstderr: " + err);
            }
            return this;
        }
    }

    private final Path base;

    Cocoon(Path base) throws IOException {
        this.base = base;
        Files.createDirectories(base);
        config("[chv]\nbinary = \"" + FAKE_CHV + "\"\nstart_timeout = \"60\"\n");
    }

    Path base() {
        return base;
    }

    Path root() {
        return base.resolve("root");
    }

    Path runDir() {
        return base.resolve("run");
    }

    Path logDir() {
        return base.resolve("log");
    }

    Path configFile() {
        return base.resolve("config.toml");
    }

    void config(String toml) throws IOException {
        Files.writeString(configFile(), toml);
    }

    /** Starts {@code cocoon args} in the background; its output goes to files beside the store. */
    Process spawn(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(IMAGE.resolve("bin/cocoon").toString());
        command.addAll(List.of(args));
        Path out = Files.createTempFile(base, "out", ".txt");
        Path err = Files.createTempFile(base, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("COCOON_ROOT_DIR", root().toString());
        builder.environment().put("COCOON_RUN_DIR", runDir().toString());
        builder.environment().put("COCOON_LOG_DIR", logDir().toString());
        builder.environment().put("COCOON_CONFIG", configFile().toString());
        return new Spawned(builder.start(), out, err).process;
    }

    Run run(String... args) {
        return run(Duration.ofMinutes(3), args);
    }

    Run run(Duration timeout, String... args) {
        try {
            Process process = spawn(args);
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("cocoon " + String.join(" ", args) + " did not finish within " + timeout);
            }
            return collect(process);
        } catch (IOException e) {
            throw new AssertionError("cannot run cocoon: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The exit code and output of a finished process this instance spawned. */
    Run collect(Process process) throws IOException {
        Spawned spawned = Spawned.of(process);
        Run run = new Run(process.exitValue(), Files.readString(spawned.out), Files.readString(spawned.err));
        Files.deleteIfExists(spawned.out);
        Files.deleteIfExists(spawned.err);
        return run;
    }

    /** The JVM is the process itself: the launcher execs java, so SIGKILL hits cocoon and nothing else. */
    static void kill(Process process) throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Where a spawned process writes its output, found again by its pid. */
    private record Spawned(Process process, Path out, Path err) {
        private static final java.util.Map<Long, Spawned> BY_PID = new java.util.concurrent.ConcurrentHashMap<>();

        Spawned {
            BY_PID.put(process.pid(), this);
        }

        static Spawned of(Process process) {
            return BY_PID.remove(process.pid());
        }
    }
}
