package cocoon.plugin.qemu.qmp;

import com.fasterxml.jackson.core.type.TypeReference;
import java.util.List;

/**
 * A QMP command this driver sends, and the type its {@code "return"} member carries.
 *
 * @param execute  the command name as QMP spells it
 * @param returns  the type the reply's {@code "return"} member is read as
 */
public record QmpCommand<R>(String execute, TypeReference<R> returns) {

    /** Leaves capabilities negotiation mode; QEMU refuses every other command before it. */
    public static final QmpCommand<Empty> CAPABILITIES = new QmpCommand<>("qmp_capabilities", new TypeReference<>() {});

    public static final QmpCommand<StatusInfo> QUERY_STATUS =
            new QmpCommand<>("query-status", new TypeReference<>() {});

    public static final QmpCommand<List<ChardevInfo>> QUERY_CHARDEV =
            new QmpCommand<>("query-chardev", new TypeReference<>() {});

    /** Presses the ACPI power button; the guest decides whether to shut down. */
    public static final QmpCommand<Empty> SYSTEM_POWERDOWN =
            new QmpCommand<>("system_powerdown", new TypeReference<>() {});

    /** Ends QEMU at once, as if the power cord were pulled. */
    public static final QmpCommand<Empty> QUIT = new QmpCommand<>("quit", new TypeReference<>() {});

    /** What goes on the wire: {@code {"execute": "..."}}. */
    public record Request(String execute) {}

    /** The {@code {}} most commands return. */
    public record Empty() {}

    /** {@code query-status}: {@code status} is e.g. {@code running}, {@code paused}, {@code guest-panicked}. */
    public record StatusInfo(String status, boolean running) {}

    /** One {@code query-chardev} entry; a PTY backend's filename reads {@code pty:/dev/pts/N}. */
    public record ChardevInfo(String label, String filename) {}

    /** The {@code error} member of a failed command. */
    public record ErrorReply(
            @com.fasterxml.jackson.annotation.JsonProperty("class")
            String errorClass,

            String desc) {}
}
