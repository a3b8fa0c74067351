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
}
