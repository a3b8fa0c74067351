package cocoon.api;

import java.nio.file.Path;
import java.util.List;

/**
 * Where one VM's hypervisor process keeps its files, as its driver lays them out.
 *
 * @param hypervisor     the driver's name ({@code qemu}, {@code chv}): errors name its config section
 * @param runDir         the VM's private run folder ({@code <run-dir>/<id>}); the pid file lives there
 * @param controlSocket  the API or monitor socket; start waits until it answers
 * @param marker         a string on the process's command line that no other VM's has (the socket path as
 *                       the hypervisor's option spells it), so a pid the kernel has reused is never taken for it
 * @param log            the process's standard output and error
 * @param privateFiles   other files the process writes (consoles, events): created 0600 before it starts
 * @param scratch        files of one run that go with it (event logs, extra sockets); never a lock of another process
 */
public record VmmLayout(
        String hypervisor,
        Path runDir,
        Path controlSocket,
        String marker,
        Path log,
        List<Path> privateFiles,
        List<Path> scratch) {

    public VmmLayout {
        privateFiles = List.copyOf(privateFiles);
        scratch = List.copyOf(scratch);
    }

    /** Written before the hypervisor runs, so a CLI killed at any moment of a start leaves no process it does not name. */
    public Path pidFile() {
        return runDir.resolve("pid");
    }
}
