package cocoon.plugin.chv.cli;

import cocoon.api.VmPaths;
import cocoon.api.VmmLayout;
import java.nio.file.Path;
import java.util.List;

/** The files one Cloud Hypervisor VM uses in its run and log folders. */
public record VmFiles(Path runDir, Path logDir) {

    /** The driver's name, which is also its config section. */
    public static final String HYPERVISOR = "chv";

    public static VmFiles of(VmPaths paths) {
        return new VmFiles(paths.runDir(), paths.logDir());
    }

    /** The REST API socket; its path is also the marker that tells this VM's process from any other. */
    public Path apiSocket() {
        return runDir.resolve("api.sock");
    }

    /** Standard output and error of the hypervisor process: its warnings and its fatal error chain. */
    public Path hypervisorLog() {
        return logDir.resolve("hypervisor.log");
    }

    /** The legacy serial port of a direct-kernel VM: early boot messages land here while the interactive console is a PTY. */
    public Path serialLog() {
        return logDir.resolve("serial.log");
    }

    /** {@code --event-monitor}: how the last run ended (a {@code vmm shutdown} event, or none after a kill). */
    public Path events() {
        return runDir.resolve("events.json");
    }

    /** From v53 Cloud Hypervisor locks its API socket with a file beside it, and leaves both behind when it exits. */
    public Path apiSocketLock() {
        return runDir.resolve("api.sock.lock");
    }

    /**
     * What a clone restores from: the snapshot's {@code config.json} with this VM's disks, cards and console paths,
     * beside links to the snapshot's other state files. Only the restore reads it; it goes once the VM runs.
     */
    public Path restoreFolder() {
        return runDir.resolve("restore");
    }

    /** The event log belongs to one run: made empty and private before each start, removed with the run. */
    public VmmLayout layout() {
        return new VmmLayout(
                HYPERVISOR,
                runDir,
                apiSocket(),
                apiSocket().toString(),
                hypervisorLog(),
                List.of(serialLog(), events()),
                List.of(events(), apiSocketLock()));
    }
}
