package cocoon.plugin.chv.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The processor Cloud Hypervisor hands its guests: it has no CPU models of its own and passes the host's CPUID
 * through, so a saved guest state fits only a host with the same processor.
 */
public final class HostCpu {

    private final Path cpuinfo;

    public HostCpu() {
        this(Path.of("/proc/cpuinfo"));
    }

    public HostCpu(Path cpuinfo) {
        this.cpuinfo = cpuinfo;
    }

    /** The first {@code model name} of {@code /proc/cpuinfo}, e.g. {@code AMD EPYC 7B13}; {@code unknown} without one. */
    public String model() {
        try (var lines = Files.lines(cpuinfo)) {
            return lines.filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).strip())
                    .filter(name -> !name.isEmpty())
                    .findFirst()
                    .orElse("unknown");
        } catch (IOException | UncheckedIOException e) {
            return "unknown";
        }
    }

    /** The architecture as {@code uname -m} names it ({@code x86_64}, {@code aarch64}), Cloud Hypervisor's one machine per architecture. */
    public static String architecture() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64" -> "x86_64";
            case "arm64" -> "aarch64";
            default -> arch;
        };
    }
}
