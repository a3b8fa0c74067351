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

/**
 * The first line of {@code qemu-system-x86_64 --version}, kept in {@code <run-dir>/qemu-version}
 * under the binary's path, size and modification time. {@code check()} runs on every
 * {@code create} with hypervisor {@code auto}, and the probe costs ~100 ms of dynamic linking; an
 * upgraded binary has another key, and the run dir is emptied at boot.
 */
final class QemuVersion {

    static final String CACHE_FILE = "qemu-version";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Processes processes;
    private final Path cache;

    QemuVersion(Processes processes, Path runDir) {
        this.processes = processes;
        this.cache = runDir.resolve(CACHE_FILE);
    }

    String of(Path binary) {
        String key;
        try {
            BasicFileAttributes attributes = Files.readAttributes(binary.toRealPath(), BasicFileAttributes.class);
            key = binary.toRealPath() + " " + attributes.size() + " "
                    + attributes.lastModifiedTime().toMillis();
        } catch (IOException e) {
            return probe(binary);
        }
        Optional<String> cached = cached(key);
        if (cached.isPresent()) {
            return cached.get();
        }
        String version = probe(binary);
        if (!version.contains("unknown")) {
            remember(key, version);
        }
        return version;
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

    private Optional<String> cached(String key) {
        try {
            List<String> lines = Files.readAllLines(cache, StandardCharsets.UTF_8);
            return lines.size() == 2 && lines.get(0).equals(key) ? Optional.of(lines.get(1)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Best effort and without fsync: a cache that is lost or unwritable only means probing again. */
    private void remember(String key, String version) {
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
