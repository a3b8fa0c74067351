package cocoon.plugin.cloudimage.disk;

import cocoon.api.Processes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The NoCloud seed: a small FAT file system labelled {@code cidata} holding {@code meta-data} and
 * {@code user-data}. Built with {@code mkfs.vfat -C} and {@code mcopy}, so no root, mount or loop
 * device is needed.
 */
final class SeedDisk {

    private static final String SIZE_KIB = "1024";

    private final Processes processes;
    private final Duration timeout;

    SeedDisk(Processes processes, Duration timeout) {
        this.processes = processes;
        this.timeout = timeout;
    }

    void write(Path image, CloudConfig config) throws IOException {
        Path staging = Files.createTempDirectory(image.getParent(), ".cidata-");
        try {
            Path metaData = Files.writeString(staging.resolve("meta-data"), config.metaData(), StandardCharsets.UTF_8);
            Path userData = Files.writeString(staging.resolve("user-data"), config.userData(), StandardCharsets.UTF_8);
            processes.run(List.of("mkfs.vfat", "-n", "cidata", "-C", image.toString(), SIZE_KIB), timeout);
            processes.run(List.of("mcopy", "-i", image.toString(), metaData.toString(), userData.toString(), "::/"),
                    timeout);
        } finally {
            Files.deleteIfExists(staging.resolve("meta-data"));
            Files.deleteIfExists(staging.resolve("user-data"));
            Files.deleteIfExists(staging);
        }
    }
}
