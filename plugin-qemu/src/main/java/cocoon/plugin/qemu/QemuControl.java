package cocoon.plugin.qemu;

import cocoon.api.VmState;
import cocoon.api.VmmControl;
import cocoon.plugin.qemu.qmp.QmpClient;
import cocoon.plugin.qemu.qmp.QmpCommand;
import java.io.IOException;
import java.time.Duration;

/** A VM's QEMU as the shared process machinery sees it: QMP for questions and buttons, the pid file for how it ended. */
final class QemuControl implements VmmControl {

    static final Duration QMP_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration GREETING_TIMEOUT = Duration.ofSeconds(2);

    private final QemuFiles files;

    QemuControl(QemuFiles files) {
        this.files = files;
    }

    /**
     * Connects and reads the greeting only: no JSON binding, which a cold JVM pays tens of ms to set up.
     * Connecting before QEMU has made its socket fails at once, so start may ask from its first poll.
     */
    @Override
    public boolean answers() {
        return QmpClient.greets(files.qmpSocket(), GREETING_TIMEOUT);
    }

    @Override
    public VmState guest() {
        try (QmpClient qmp = QmpClient.connect(files.qmpSocket(), QMP_TIMEOUT)) {
            return switch (qmp.execute(QmpCommand.QUERY_STATUS).status()) {
                case "guest-panicked", "internal-error", "io-error" -> VmState.ERROR;
                default -> VmState.RUNNING;
            };
        } catch (IOException e) {
            // The process is ours and alive but its monitor is gone or silent: neither running nor stopped.
            return VmState.ERROR;
        }
    }

    @Override
    public boolean pressPowerButton() {
        return request(QmpCommand.SYSTEM_POWERDOWN);
    }

    @Override
    public void quit() {
        request(QmpCommand.QUIT);
    }

    /**
     * QEMU deletes its pid file when it exits by itself (guest power-off, quit, SIGTERM), which the shared
     * machinery already reads as stopped; one left behind is from SIGKILL or a crash.
     */
    @Override
    public boolean endedCleanly() {
        return false;
    }

    private boolean request(QmpCommand<?> command) {
        try (QmpClient qmp = QmpClient.connect(files.qmpSocket(), QMP_TIMEOUT)) {
            qmp.execute(command);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
