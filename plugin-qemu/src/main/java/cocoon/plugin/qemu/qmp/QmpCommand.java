package cocoon.plugin.qemu.qmp;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import java.util.List;

/**
 * A QMP command this driver sends, and the type its {@code "return"} member carries.
 *
 * @param execute    the command name as QMP spells it
 * @param arguments  its {@code "arguments"} object (a record Jackson writes), or null for none
 * @param returns    the type the reply's {@code "return"} member is read as
 */
public record QmpCommand<R>(String execute, Object arguments, TypeReference<R> returns) {

    public QmpCommand(String execute, TypeReference<R> returns) {
        this(execute, null, returns);
    }

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

    /** Pauses the vCPUs; QEMU drains and flushes every disk before it answers. */
    public static final QmpCommand<Empty> STOP = new QmpCommand<>("stop", new TypeReference<>() {});

    /** Resumes the vCPUs of a guest paused by {@code stop}, after a migration too (it reactivates the disks). */
    public static final QmpCommand<Empty> CONT = new QmpCommand<>("cont", new TypeReference<>() {});

    public static final QmpCommand<MigrationInfo> QUERY_MIGRATE =
            new QmpCommand<>("query-migrate", new TypeReference<>() {});

    public static final QmpCommand<VersionInfo> QUERY_VERSION =
            new QmpCommand<>("query-version", new TypeReference<>() {});

    public static final QmpCommand<KvmInfo> QUERY_KVM = new QmpCommand<>("query-kvm", new TypeReference<>() {});

    /** The QOM type of the machine, e.g. {@code pc-q35-7.2-machine}. */
    public static final QmpCommand<String> MACHINE_TYPE =
            new QmpCommand<>("qom-get", new QomProperty("/machine", "type"), new TypeReference<>() {});

    /** Starts writing the device and memory state to {@code uri} ({@code exec:cat > FILE}); poll {@link #QUERY_MIGRATE}. */
    public static QmpCommand<Empty> migrate(String uri) {
        return new QmpCommand<>("migrate", new MigrateArguments(uri), new TypeReference<>() {});
    }

    /** Lifts the migration bandwidth cap (bytes per second), which exists to spare a network the state is not sent over. */
    public static QmpCommand<Empty> maxBandwidth(long bytesPerSecond) {
        return new QmpCommand<>(
                "migrate-set-parameters", new MigrationParameters(bytesPerSecond), new TypeReference<>() {});
    }

    /** What goes on the wire: {@code {"execute": "...", "arguments": {...}}}, without arguments when there are none. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Request(String execute, Object arguments) {}

    public record MigrateArguments(String uri) {}

    public record MigrationParameters(
            @JsonProperty("max-bandwidth") long maxBandwidth) {}

    public record QomProperty(String path, String property) {}

    /**
     * {@code query-migrate}: {@code status} is {@code active}, {@code completed}, {@code failed}, ... (absent before the
     * first migration); {@code errorDesc} says why one failed.
     */
    public record MigrationInfo(
            String status, @JsonProperty("error-desc") String errorDesc) {}

    /** {@code query-version}: {@code {"qemu": {"major": 7, "minor": 2, "micro": 11}}}. */
    public record VersionInfo(Triple qemu) {
        public record Triple(int major, int minor, int micro) {}

        public String number() {
            return qemu.major() + "." + qemu.minor() + "." + qemu.micro();
        }
    }

    public record KvmInfo(boolean enabled, boolean present) {}

    /** The {@code {}} most commands return. */
    public record Empty() {}

    /** {@code query-status}: {@code status} is e.g. {@code running}, {@code paused}, {@code guest-panicked}. */
    public record StatusInfo(String status, boolean running) {}

    /** One {@code query-chardev} entry; a PTY backend's filename reads {@code pty:/dev/pts/N}. */
    public record ChardevInfo(String label, String filename) {}

    /** The {@code error} member of a failed command. */
    public record ErrorReply(@JsonProperty("class") String errorClass, String desc) {}
}
