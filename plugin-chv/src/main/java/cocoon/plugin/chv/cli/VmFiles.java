package cocoon.plugin.chv.cli;

import cocoon.api.VmPaths;

import java.nio.file.Path;

/** The files one Cloud Hypervisor VM uses in its run and log folders. */
public record VmFiles(Path runDir, Path logDir) {

    public static VmFiles of(VmPaths paths) {
        return new VmFiles(paths.runDir(), paths.logDir());
    }

    /** The REST API socket; its path is also the marker that tells this VM's process from any other. */
    public Path apiSocket() {
        return runDir.resolve("api.sock");
    }

    public Path pidFile() {
        return runDir.resolve("pid");
    }

    /** Standard output and error of the hypervisor process: its warnings and its fatal error chain. */
    public Path hypervisorLog() {
        return logDir.resolve("hypervisor.log");
    }

    /** The legacy serial port of a direct-kernel VM: early boot messages land here while the interactive console is a PTY. */
    public Path serialLog() {
        return logDir.resolve("serial.log");
    }
}
