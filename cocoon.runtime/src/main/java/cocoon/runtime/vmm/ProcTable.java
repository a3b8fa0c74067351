package cocoon.runtime.vmm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code /proc} says about a pid. A hypervisor runs detached, so it is nobody's child here: a zombie
 * counts as ended (init reaps orphans only every few seconds on some hosts), and a pid is taken for a
 * VM's hypervisor only while its command line carries that VM's marker.
 */
final class ProcTable {

    private ProcTable() {}

    /** Whether {@code pid} is a process that has not ended, whatever it runs. */
    static boolean exists(long pid) {
        return pid > 0 && Files.exists(Path.of("/proc", Long.toString(pid))) && !isZombie(pid);
    }

    /** Whether {@code pid} is alive and its command line contains {@code marker}. */
    static boolean runs(long pid, String marker) {
        if (pid <= 0) {
            return false;
        }
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').contains(marker) && !isZombie(pid);
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM, or SIGKILL when {@code kill}. */
    static void signal(long pid, boolean kill) {
        ProcessHandle.of(pid).ifPresent(handle -> {
            if (kill) {
                handle.destroyForcibly();
            } else {
                handle.destroy();
            }
        });
    }

    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && stat.length() > close + 2 && stat.charAt(close + 2) == 'Z';
        } catch (IOException e) {
            return true;
        }
    }
}
