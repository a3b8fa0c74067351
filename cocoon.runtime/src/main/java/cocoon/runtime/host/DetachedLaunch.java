package cocoon.runtime.host;

import cocoon.api.ToolException;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Starts a program in a session of its own that is not this JVM's child: {@code setsid --fork} forks,
 * its child execs the program, and setsid itself exits at once. Were the program the JVM's child, the
 * JDK's reaper thread would sit in a native {@code waitpid} for it, and the JVM waits up to 300 ms for
 * threads in native code when it exits: every {@code cocoon start} paid that. The program's pid is
 * then found in {@code /proc} by its arguments, which for a hypervisor name the VM's own socket, so
 * they are unique (and the VM's lock keeps a second start of it out).
 */
final class DetachedLaunch {

    private static final Duration FORK_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration LOOK_FOR = Duration.ofSeconds(1);

    private DetachedLaunch() {
    }

    static long start(Path setsid, List<String> argv, Path log) throws IOException {
        List<String> forker = new ArrayList<>(List.of(setsid.toString(), "--fork"));
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
            return childOf(argv).orElseThrow(() -> failed(argv, log, "it exited at once"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(argv, log, "interrupted");
        }
    }

    /**
     * The pid of setsid's forked child: it shows setsid's command line until it execs {@code argv} in
     * place, keeping its pid, and then the program's, which starts with an interpreter when the program
     * is a script. Both end with the program's arguments, the VM's socket path among them. Callers
     * watch that pid for the program. Empty if none is found: the program ran and ended at once.
     */
    private static Optional<Long> childOf(List<String> argv) throws InterruptedException {
        byte[] arguments = commandLine(argv.size() > 1 ? argv.subList(1, argv.size()) : argv);
        long deadline = System.nanoTime() + LOOK_FOR.toNanos();
        // During the exec itself the command line reads empty for a moment: look again until LOOK_FOR.
        while (System.nanoTime() - deadline < 0) {
            for (Path proc : processes()) {
                byte[] cmdline = read(proc.resolve("cmdline"));
                if (cmdline.length > arguments.length && Arrays.equals(cmdline, cmdline.length - arguments.length,
                        cmdline.length, arguments, 0, arguments.length)) {
                    return Optional.of(Long.parseLong(proc.getFileName().toString()));
                }
            }
            Thread.sleep(1);
        }
        return Optional.empty();
    }

    private static List<Path> processes() {
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            return entries.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static byte[] read(Path cmdline) {
        try {
            return Files.readAllBytes(cmdline);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** {@code /proc/<pid>/cmdline}: every argument followed by a NUL byte. */
    private static byte[] commandLine(List<String> argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String arg : argv) {
            out.writeBytes(arg.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return out.toByteArray();
    }

    private static ToolException failed(List<String> argv, Path log, String why) {
        String program = Path.of(argv.get(0)).getFileName().toString();
        return new ToolException(argv, "cannot start " + program + " (" + why + "): " + lastLine(log),
                "check that it is installed and executable (cocoon doctor)");
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return lines.isEmpty() ? "it logged nothing" : lines.get(lines.size() - 1).strip();
        } catch (IOException e) {
            return "its log " + log + " cannot be read";
        }
    }
}
