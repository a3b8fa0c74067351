package cocoon.runtime.vmm;

import cocoon.api.ToolException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Starts a program in a session of its own that is not this JVM's child: {@code setsid --fork} forks,
 * its child writes its own pid to the pid file and then execs the program in place (same pid), and
 * setsid itself exits at once. Were the program the JVM's child, the JDK's reaper thread would sit in a
 * native {@code waitpid} for it, and the JVM waits up to 300 ms for threads in native code when it
 * exits: every {@code cocoon start} paid that. Because the pid file is written before the program
 * runs, a Cocoon killed at any moment after the fork leaves a program its pid file names.
 */
final class DetachedLaunch {

    /** {@code $0} is the pid file, the program and its arguments follow: nothing is interpolated. */
    private static final String WRITE_PID_AND_EXEC = "echo $$ > \"$0\" && exec \"$@\"";

    private static final Duration FORK_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration PID_TIMEOUT = Duration.ofSeconds(2);

    private DetachedLaunch() {}

    /** The pid file is emptied first (a stale pid must not be read back) and keeps its mode when the shell writes it. */
    static long start(Path setsid, List<String> argv, Path log, Path pidFile) throws IOException {
        Files.write(pidFile, new byte[0]);
        List<String> forker = new ArrayList<>(
                List.of(setsid.toString(), "--fork", "/bin/sh", "-c", WRITE_PID_AND_EXEC, pidFile.toString()));
        forker.addAll(argv);
        Process process = new ProcessBuilder(forker)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
        try {
            if (!process.waitFor(FORK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw failed(argv, log, "setsid did not fork");
            }
            return awaitPid(pidFile).orElseThrow(() -> failed(argv, log, "it wrote no pid file"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(argv, log, "interrupted");
        }
    }

    /** The pid setsid's child writes: a moment after setsid exits, at most. */
    private static OptionalLong awaitPid(Path pidFile) throws InterruptedException {
        long deadline = System.nanoTime() + PID_TIMEOUT.toNanos();
        do {
            try {
                return OptionalLong.of(Long.parseLong(
                        Files.readString(pidFile, StandardCharsets.US_ASCII).strip()));
            } catch (IOException | NumberFormatException e) {
                // Not written yet, or caught between the shell's truncate and its write.
                Thread.sleep(1);
            }
        } while (System.nanoTime() - deadline < 0);
        return OptionalLong.empty();
    }

    private static ToolException failed(List<String> argv, Path log, String why) {
        String program = Path.of(argv.get(0)).getFileName().toString();
        return new ToolException(
                argv,
                "cannot start " + program + " (" + why + "): " + lastLine(log),
                "check that it is installed and executable (cocoon doctor)");
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return lines.isEmpty()
                    ? "it logged nothing"
                    : lines.get(lines.size() - 1).strip();
        } catch (IOException e) {
            return "its log " + log + " cannot be read";
        }
    }
}
