package cocoon.plugin.chv.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code GET /api/v1/vm.info}, reduced to what the driver reads: the VM state and where its
 * console and serial port went (for {@code Pty} mode, {@code file} is the {@code /dev/pts/N} path).
 */
public record VmInfo(
        @JsonProperty("config") Config config,
        @JsonProperty("state") String state,
        @JsonProperty("memory_actual_size") Long memoryActualSize) {

    /** Cloud Hypervisor's VmState enum. */
    public static final String CREATED = "Created";

    public static final String RUNNING = "Running";
    public static final String SHUTDOWN = "Shutdown";
    public static final String PAUSED = "Paused";
    public static final String BREAK_POINT = "BreakPoint";

    public record Config(
            @JsonProperty("console") Console console,
            @JsonProperty("serial") Console serial) {}

    /** A ConsoleConfig; {@code mode} is {@code Off}, {@code Pty}, {@code Tty}, {@code File}, {@code Socket} or {@code Null}. */
    public record Console(
            @JsonProperty("file") String file,
            @JsonProperty("mode") String mode) {

        public boolean isPty() {
            return "Pty".equals(mode) && file != null && !file.isBlank();
        }
    }
}
