package cocoon.plugin.qemu;

import cocoon.api.CocoonException;
import cocoon.api.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first line of {@code qemu-system-x86_64 --version}, kept in {@code <run-dir>/qemu-version}, and the
 * versioned machine type {@code q35} stands for, kept in {@code <run-dir>/qemu-machine}, each under the binary's
 * path, size and modification time. {@code check()} runs on every {@code create} with hypervisor {@code auto}, and
 * a probe costs ~100 ms of dynamic linking; an upgraded binary has another key, and the run dir is emptied at boot.
 */
final class QemuVersion {

    static final String CACHE_FILE = "qemu-version";
    static final String MACHINE_CACHE_FILE = "qemu-machine";
    /** The machine family every VM gets; QEMU's alias for its newest versioned type. */
    static final String MACHINE_FAMILY = "q35";

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern VERSION = Pattern.compile("version (\\d+\\.\\d+(\\.\\d+)?)");

    private final Processes processes;
    private final Path runDir;

    QemuVersion(Processes processes, Path runDir) {
        this.processes = processes;
        this.runDir = runDir;
    }

    String of(Path binary) {
        return cachedProbe(binary, runDir.resolve(CACHE_FILE), () -> probe(binary));
    }

    /** {@code 7.2.11} out of {@code QEMU emulator version 7.2.11 (Debian ...)}; the whole line when it has no number. */
    static String number(String versionLine) {
        Matcher matcher = VERSION.matcher(versionLine);
        return matcher.find() ? matcher.group(1) : versionLine;
    }

    /**
     * The versioned machine type {@code q35} is an alias of on this binary ({@code pc-q35-7.2}): pinned for every VM
     * at create, so an upgraded QEMU runs it, and loads its saved state, as the same machine.
     */
    String machineType(Path binary) {
        return cachedProbe(binary, runDir.resolve(MACHINE_CACHE_FILE), () -> probeMachine(binary));
    }

    /** The type {@code family} is an alias of in {@code -machine help} output, or {@code family} itself. */
    static String aliasTarget(String machineHelp, String family) {
        Pattern alias = Pattern.compile("^" + Pattern.quote(family) + "\\s.*\\(alias of ([^)\\s]+)\\)");
        return machineHelp
                .lines()
                .map(alias::matcher)
                .filter(Matcher::find)
                .map(matcher -> matcher.group(1))
                .findFirst()
                .orElse(family);
    }

    private String probeMachine(Path binary) {
        try {
            String out = processes
                    .runAllowingFailure(List.of(binary.toString(), "-machine", "help"), TIMEOUT)
                    .stdout();
            return aliasTarget(out, MACHINE_FAMILY);
        } catch (CocoonException e) {
            return MACHINE_FAMILY;
        }
    }

    private String cachedProbe(Path binary, Path cache, Supplier<String> probe) {
        String key;
        try {
            BasicFileAttributes attributes = Files.readAttributes(binary.toRealPath(), BasicFileAttributes.class);
            key = binary.toRealPath() + " " + attributes.size() + " "
                    + attributes.lastModifiedTime().toMillis();
        } catch (IOException e) {
            return probe.get();
        }
        Optional<String> cached = cached(cache, key);
        if (cached.isPresent()) {
            return cached.get();
        }
        String answer = probe.get();
        if (!answer.contains("unknown") && !answer.equals(MACHINE_FAMILY)) {
            remember(cache, key, answer);
        }
        return answer;
    }

    private String probe(Path binary) {
        try {
            String out = processes
                    .runAllowingFailure(List.of(binary.toString(), "--version"), TIMEOUT)
                    .stdout();
            String first = out.lines().findFirst().orElse("").strip();
            return first.isEmpty() ? "QEMU (version unknown)" : first;
        } catch (CocoonException e) {
            return "QEMU (version unknown: " + e.getMessage() + ")";
        }
    }

    private static Optional<String> cached(Path cache, String key) {
        try {
            List<String> lines = Files.readAllLines(cache, StandardCharsets.UTF_8);
            return lines.size() == 2 && lines.get(0).equals(key) ? Optional.of(lines.get(1)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Best effort and without fsync: a cache that is lost or unwritable only means probing again. */
    private static void remember(Path cache, String key, String version) {
        try {
            Files.createDirectories(cache.getParent());
            Path temp = Files.createTempFile(cache.getParent(), "." + CACHE_FILE, ".tmp");
            try {
                Files.writeString(temp, key + "\n" + version + "\n", StandardCharsets.UTF_8);
                Files.move(temp, cache, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            // Probing next time is the whole cost.
        }
    }
}
