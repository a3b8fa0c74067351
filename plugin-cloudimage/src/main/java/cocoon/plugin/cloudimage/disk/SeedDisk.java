package cocoon.plugin.cloudimage.disk;

import cocoon.api.Processes;
import cocoon.api.ToolException;
import cocoon.plugin.cloudimage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The NoCloud seed: a small FAT file system labelled {@code cidata} holding {@code meta-data},
 * {@code user-data} and, for a VM with a network card, {@code network-config}. Built with {@code mkfs.vfat} and {@code mcopy} in a file made here first (0600:
 * it will hold the password), so no root, mount or loop device is needed.
 */
final class SeedDisk {

    private static final long SIZE_BYTES = 1L << 20;

    private final Processes processes;
    private final Duration timeout;

    SeedDisk(Processes processes, Duration timeout) {
        this.processes = processes;
        this.timeout = timeout;
    }

    void write(Path image, CloudConfig config) throws IOException {
        OwnerOnlyFile.create(image);
        try (FileChannel file = FileChannel.open(image, StandardOpenOption.WRITE)) {
            // mkfs.vfat sizes the file system to the file: one byte at the end makes it 1 MiB, sparse.
            file.write(ByteBuffer.allocate(1), SIZE_BYTES - 1);
        }
        Map<String, String> files = new LinkedHashMap<>();
        files.put("meta-data", config.metaData());
        files.put("user-data", config.userData());
        config.networkConfig().ifPresent(networkConfig -> files.put("network-config", networkConfig));
        Path staging = Files.createTempDirectory(image.getParent(), ".cidata-");
        try {
            List<String> mcopy = new ArrayList<>(List.of("mcopy", "-i", image.toString()));
            for (Map.Entry<String, String> file : files.entrySet()) {
                mcopy.add(Files.writeString(staging.resolve(file.getKey()), file.getValue(), StandardCharsets.UTF_8)
                        .toString());
            }
            mcopy.add("::/");
            processes.run(List.of("mkfs.vfat", "-n", "cidata", image.toString()), timeout);
            processes.run(mcopy, timeout);
        } catch (ToolException e) {
            throw StorageException.of(e, image.getParent());
        } finally {
            for (String name : files.keySet()) {
                Files.deleteIfExists(staging.resolve(name));
            }
            Files.deleteIfExists(staging);
        }
    }
}
