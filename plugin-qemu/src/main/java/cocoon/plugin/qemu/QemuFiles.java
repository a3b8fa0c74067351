package cocoon.plugin.qemu;

import cocoon.api.VmPaths;
import cocoon.api.VmmLayout;
import java.nio.file.Path;
import java.util.List;

/**
 * Where one VM's QEMU keeps its QMP and console sockets, logs and UEFI variable store; its pid file is the shared
 * machinery's.
 */
record QemuFiles(Path runDir, Path qmpSocket, Path consoleSocket, Path consoleLog, Path qemuLog, Path firmwareVars) {

    static QemuFiles of(VmPaths paths) {
        return new QemuFiles(
                paths.runDir(),
                paths.runDir().resolve("qmp.sock"),
                paths.runDir().resolve("console.sock"),
                paths.logDir().resolve("console.log"),
                paths.logDir().resolve("qemu.log"),
                paths.vmDir().resolve("OVMF_VARS.fd"));
    }

    /** The {@code -qmp} value; also the marker that tells this VM's QEMU from any other process with the same pid. */
    String qmpOption() {
        return "unix:" + QemuOptions.escape(qmpSocket.toString()) + ",server=on,wait=off";
    }

    /**
     * The {@code -chardev} of the serial console: a socket QEMU serves, logged to the console log whether or not a
     * console is attached. Not a PTY: QEMU notices a PTY's reader only on a once-a-second poll, so the first line
     * typed into a fresh clone waited up to 1 s; a socket's client is accepted at once.
     */
    String consoleChardev() {
        return "socket,id=" + QemuCommandLine.CONSOLE_CHARDEV + ",path=" + QemuOptions.escape(consoleSocket.toString())
                + ",server=on,wait=off,logfile=" + QemuOptions.escape(consoleLog.toString()) + ",logappend=on";
    }

    /** QEMU writes the console log itself: it is created private before QEMU runs; a killed QEMU leaves its console socket. */
    VmmLayout layout() {
        return new VmmLayout(
                QemuHypervisor.NAME,
                runDir,
                qmpSocket,
                qmpOption(),
                qemuLog,
                List.of(consoleLog),
                List.of(consoleSocket));
    }

    /** The one file QEMU's saved state is, in the folder a snapshot gives the driver: the migration stream. */
    static Path migrationStream(Path stateFolder) {
        return stateFolder.resolve("migration");
    }

    /** QEMU's {@code -pidfile}: the same file the launcher writes, so QEMU rewrites the same pid and deletes it on a clean exit. */
    Path pidFile() {
        return layout().pidFile();
    }
}
