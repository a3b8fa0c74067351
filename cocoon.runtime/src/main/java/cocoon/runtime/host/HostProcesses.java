package cocoon.runtime.host;

import cocoon.api.Processes;
import cocoon.api.ToolException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs external programs from argument lists, with a timeout and stderr kept for errors; never through a shell. */
public final class HostProcesses implements Processes {

    private static final int STDERR_TAIL = 2000;

    @Override
    public Result run(List<String> argv, Duration timeout) {
        Result result = runAllowingFailure(argv, timeout);
        if (result.exitCode() != 0) {
            throw new ToolException(
                    argv,
                    programName(argv) + " failed (exit " + result.exitCode() + "): "
                            + oneLine(result.stderr().isBlank() ? result.stdout() : result.stderr()),
                    "see the message above; rerun with --debug for the full command");
        }
        return result;
    }

    @Override
    public Result runAllowingFailure(List<String> argv, Duration timeout) {
        Process process = start(argv);
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new ToolException(
                        argv,
                        programName(argv) + " did not finish within " + timeout.toSeconds() + " s",
                        "check that the host is not overloaded and the input is sane");
            }
            return new Result(process.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ToolException(argv, programName(argv) + " was interrupted", "run the command again");
        }
    }

    /**
     * Runs a program on the user's own terminal (stdin, stdout and stderr are Cocoon's) until it exits, and
     * returns its exit status. No timeout: it is an interactive session, as long as the user keeps it.
     */
    public int runAttached(List<String> argv) {
        try {
            Process process = new ProcessBuilder(argv).inheritIO().start();
            return process.waitFor();
        } catch (IOException e) {
            throw new ToolException(
                    argv, programName(argv) + " could not be started: " + e.getMessage(), "install it or fix PATH");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ToolException(argv, programName(argv) + " was interrupted", "run the command again");
        }
    }

    @Override
    public Optional<Path> which(String program) {
        if (program.contains("/")) {
            Path path = Path.of(program);
            return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        String pathVar =
                System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : pathVar.split(":", -1)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private Process start(List<String> argv) {
        try {
            return new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new ToolException(
                    argv,
                    programName(argv) + " could not be started: " + e.getMessage(),
                    "install it (cocoon doctor says which package) or fix PATH");
        }
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try (stream) {
                        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                        stream.transferTo(buffer);
                        return buffer.toString(StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                Thread::startVirtualThread);
    }

    private static String programName(List<String> argv) {
        return argv.isEmpty() ? "(nothing)" : Path.of(argv.get(0)).getFileName().toString();
    }

    private static String oneLine(String text) {
        String trimmed = text.strip().replaceAll("\\s*\\n\\s*", " | ");
        return trimmed.length() <= STDERR_TAIL ? trimmed : "…" + trimmed.substring(trimmed.length() - STDERR_TAIL);
    }
}
