package cocoon.plugin.chv.snapshot;

import cocoon.api.BootSpec;
import cocoon.api.Disk;
import cocoon.api.HypervisorException;
import cocoon.api.Nic;
import cocoon.api.VmRecord;
import cocoon.plugin.chv.cli.ChvCommand;
import cocoon.plugin.chv.cli.VmFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The folder a VM is restored from. Cloud Hypervisor restores every device from the snapshot's {@code config.json}
 * (docs/snapshot_restore.md: it may be edited between snapshot and restore), which names the source's disk copies,
 * TAP and serial log: a clone gets a copy of it naming its own, beside links to the snapshot's {@code state.json} and
 * {@code memory-ranges}, which it only reads. The snapshot's folder itself is never written: several clones share it.
 */
public final class RestoreFolder {

    /** The snapshot file Cloud Hypervisor takes every VM setting from ({@code vmm/src/migration.rs} SNAPSHOT_CONFIG_FILE). */
    public static final String CONFIG = "config.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private RestoreFolder() {}

    /** Makes {@code files.restoreFolder()} anew from {@code saved} for {@code vm}, private, and returns it. */
    public static Path prepare(Path saved, VmRecord vm, VmFiles files, Path firmware) {
        Path folder = files.restoreFolder();
        try {
            remove(folder);
            Files.createDirectories(
                    folder, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            ObjectNode config = readConfig(saved, vm);
            retarget(config, vm, files, firmware);
            Files.write(
                    folder.resolve(CONFIG),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config),
                    StandardOpenOption.CREATE_NEW);
            Files.setPosixFilePermissions(folder.resolve(CONFIG), PosixFilePermissions.fromString("rw-------"));
            try (Stream<Path> entries = Files.list(saved)) {
                for (Path entry : entries.toList()) {
                    if (!entry.getFileName().toString().equals(CONFIG)) {
                        Files.createSymbolicLink(folder.resolve(entry.getFileName()), entry.toAbsolutePath());
                    }
                }
            }
            return folder;
        } catch (IOException e) {
            throw new HypervisorException(
                    "cannot prepare the restore of VM " + vm.name() + " in " + folder + ": " + e.getMessage(),
                    "check free space and permissions of the run dir");
        }
    }

    /** Removes the folder and what is in it (links, not what they point at); nothing when there is none. */
    public static void remove(Path folder) throws IOException {
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> entries = Files.list(folder)) {
            for (Path entry : entries.toList()) {
                Files.delete(entry);
            }
        }
        Files.delete(folder);
    }

    private static ObjectNode readConfig(Path saved, VmRecord vm) throws IOException {
        Path file = saved.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new HypervisorException(
                    "the saved state of VM " + vm.name() + " has no " + CONFIG + " (" + saved + ")",
                    "the snapshot was not written by Cloud Hypervisor, or was damaged: take it again");
        }
        JsonNode config = JSON.readTree(file.toFile());
        if (!(config instanceof ObjectNode object)) {
            throw new HypervisorException(file + " is not a Cloud Hypervisor VM config", "take the snapshot again");
        }
        return object;
    }

    /**
     * Disks by position in Cloud Hypervisor's list (the attached disks in the record's order; their ids, which the
     * saved device state refers to, stay), the serial of each checked; cards by position; the serial log and the
     * payload files this VM's; a PTY's old {@code /dev/pts} path dropped, since the restore opens a new one.
     */
    static void retarget(ObjectNode config, VmRecord vm, VmFiles files, Path firmware) {
        List<Disk> disks = ChvCommand.attached(vm.disks());
        JsonNode savedDisks = config.path("disks");
        if (savedDisks.size() != disks.size()) {
            throw mismatch(vm, savedDisks.size() + " disks", disks.size() + " disks");
        }
        for (int i = 0; i < disks.size(); i++) {
            ObjectNode saved = (ObjectNode) savedDisks.get(i);
            Disk disk = disks.get(i);
            String serial =
                    saved.path("serial").isTextual() ? saved.get("serial").asText() : null;
            if (!Objects.equals(serial, disk.serial())) {
                throw mismatch(vm, "disk " + i + " with serial " + serial, "serial " + disk.serial());
            }
            saved.put("path", disk.path().toString());
        }
        List<Nic> nics = vm.network().nics();
        JsonNode savedNets = config.path("net");
        if (savedNets.size() != nics.size()) {
            throw mismatch(vm, savedNets.size() + " network cards", nics.size() + " network cards");
        }
        for (int i = 0; i < nics.size(); i++) {
            ObjectNode saved = (ObjectNode) savedNets.get(i);
            saved.put("tap", nics.get(i).device());
            saved.put("mac", nics.get(i).mac());
        }
        console(config.path("serial"), files.serialLog());
        console(config.path("console"), null);
        if (config.path("payload") instanceof ObjectNode payload) {
            BootSpec boot = vm.boot();
            if (boot.bootsKernel()) {
                payload.put("kernel", boot.kernel().toString());
                if (boot.initrd() != null) {
                    payload.put("initramfs", boot.initrd().toString());
                }
            } else {
                payload.put("firmware", firmware.toString());
            }
        }
    }

    private static void console(JsonNode saved, Path file) {
        if (!(saved instanceof ObjectNode console)) {
            return;
        }
        switch (console.path("mode").asText()) {
            case "File" -> {
                if (file != null) {
                    console.put("file", file.toString());
                }
            }
            case "Pty" -> console.putNull("file");
            default -> {}
        }
    }

    private static HypervisorException mismatch(VmRecord vm, String saved, String vmHas) {
        return new HypervisorException(
                "the saved state has " + saved + " but VM " + vm.name() + " has " + vmHas,
                "clone the snapshot as it was saved (cocoon clone SNAP --name NEW)");
    }
}
