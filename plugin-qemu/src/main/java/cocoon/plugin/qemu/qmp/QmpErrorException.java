package cocoon.plugin.qemu.qmp;

import java.io.IOException;

/** QEMU answered a command with an {@code error} instead of a {@code return}. */
public final class QmpErrorException extends IOException {

    public QmpErrorException(String command, QmpCommand.ErrorReply error) {
        super("QMP " + command + " failed: " + error.errorClass() + ": " + error.desc());
    }
}
