package cocoon.runtime.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Detached programs: not our children, named by their pid file from before they run, arguments passed verbatim. */
class DetachedLaunchTest {

    private static final Path SETSID = Path.of("/usr/bin/setsid");

    @TempDir
    Path dir;

    @Test
    void thePidFileNamesTheRunningProgramWhichIsNotOurChildAndGotItsArgumentsVerbatim() throws Exception {
        Path pidFile = dir.resolve("pid");
        Files.writeString(pidFile, "1\n");
        Path followed = Files.createFile(dir.resolve("vm $(id) `id` \"; exit.sock"));
        long pid =
                DetachedLaunch.start(SETSID, List.of("tail", "-f", followed.toString()), dir.resolve("log"), pidFile);
        try {
            // While the shell execs tail in place, its command line reads empty for a moment.
            String cmdline = awaitExec(pid, "tail\0");
            assertEquals(Long.toString(pid), Files.readString(pidFile).strip());
            assertTrue(ProcTable.runs(pid, followed.toString()));
            assertTrue(ProcessHandle.current().children().noneMatch(child -> child.pid() == pid));
            assertEquals("tail\0-f\0" + followed + "\0", cmdline);
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aProgramThatCannotRunEndsAtOnceAndItsLogSaysWhy() throws Exception {
        Path log = dir.resolve("log");
        String missing = dir.resolve("no-such-program").toString();
        long pid = DetachedLaunch.start(SETSID, List.of(missing), log, Files.createFile(dir.resolve("pid")));
        // The shell wrote its pid, then could not exec: the caller sees that process end, and the log says why.
        for (int i = 0; i < 200 && ProcTable.exists(pid); i++) {
            sleep();
        }
        assertFalse(ProcTable.exists(pid));
        assertTrue(Files.readString(log).contains(missing), Files.readString(log));
    }

    /** The program's command line once the shell has exec'd it (it then starts with {@code prefix}). */
    private static String awaitExec(long pid, String prefix) throws Exception {
        Path cmdline = Path.of("/proc", Long.toString(pid), "cmdline");
        for (int i = 0; i < 200 && !Files.readString(cmdline).startsWith(prefix); i++) {
            sleep();
        }
        return Files.readString(cmdline);
    }

    private static void sleep() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
