package cocoon.plugin.qemu;

import cocoon.api.VmPaths;

import java.nio.file.Path;

/** Where one VM's QEMU keeps its pid, QMP socket, logs and UEFI variable store. */
record QemuFiles(Path pidFile, Path qmpSocket, Path consoleLog, Path qemuLog, Path firmwareVars) {

    static QemuFiles of(VmPaths paths) {
        return new QemuFiles(
                paths.runDir().resolve("pid"),
                paths.runDir().resolve("qmp.sock"),
                paths.logDir().resolve("console.log"),
                paths.logDir().resolve("qemu.log"),
                paths.vmDir().resolve("OVMF_VARS.fd"));
    }

    /** The {@code -qmp} value; also the marker that tells this VM's QEMU from any other process with the same pid. */
    String qmpOption() {
        return "unix:" + QemuOptions.escape(qmpSocket.toString()) + ",server=on,wait=off";
    }
}
