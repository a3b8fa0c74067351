package cocoon.api;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The one way plugins run external programs: argument lists, a timeout, stderr kept for errors. */
public interface Processes {

    /** Output of a finished program. */
    record Result(int exitCode, String stdout, String stderr) {}

    /** Runs to completion; a non-zero exit or a timeout throws {@link ToolException} carrying stderr. */
    Result run(List<String> argv, Duration timeout);

    /** Like {@link #run} but returns non-zero exits instead of throwing. */
    Result runAllowingFailure(List<String> argv, Duration timeout);

    /** Whether {@code program} is an executable on PATH or an executable path; the resolved path if so. */
    Optional<Path> which(String program);

    /**
     * Starts a program in its own session (it survives this CLI and its terminal), stdin from
     * /dev/null, stdout and stderr appended to the given log; returns its pid. The pid is written to
     * {@code pidFile} before the program runs, so a CLI killed at any moment of the call leaves no
     * program behind that its pid file does not name. The program is not this process's child: for a
     * moment after the call its command line may still be the launcher's (ending with the same arguments).
     */
    long spawnDetached(List<String> argv, Path log, Path pidFile);

    /** Whether {@code pid} is a process that has not ended, whatever it runs; a zombie has ended. */
    boolean exists(long pid);

    /** Whether {@code pid} is alive and its command line contains {@code marker}, so a reused pid is never mistaken. */
    boolean isAlive(long pid, String marker);
}
