package cocoon.plugin.qemu;

import cocoon.api.HypervisorException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** UEFI writes its variables (boot entries) to flash, so each VM gets its own copy of the template. */
final class UefiVars {

    private UefiVars() {}

    static void prepare(QemuSettings settings, Path vmVars) {
        requireFirmware(settings.firmwareCode(), "firmware_code");
        if (Files.exists(vmVars)) {
            return;
        }
        requireFirmware(settings.firmwareVars(), "firmware_vars");
        copy(settings.firmwareVars(), vmVars);
    }

    /**
     * A VM resumed from saved state gets the variable store its guest's firmware last wrote, saved with the state
     * ({@link #saveInto}); one saved before stores were kept gets the template's.
     */
    static void prepareFromState(QemuSettings settings, Path vmVars, Path stateFolder) {
        Path saved = saved(stateFolder);
        if (!Files.exists(vmVars) && Files.exists(saved)) {
            requireFirmware(settings.firmwareCode(), "firmware_code");
            copy(saved, vmVars);
            return;
        }
        prepare(settings, vmVars);
    }

    /**
     * The store is a pflash disk, not part of the migrated state, yet the guest's firmware may have written it since
     * boot (boot entries, secure-boot state): a paused guest's store is copied into its state folder.
     */
    static void saveInto(Path vmVars, Path stateFolder) {
        if (Files.exists(vmVars)) {
            copy(vmVars, saved(stateFolder));
        }
    }

    private static Path saved(Path stateFolder) {
        return stateFolder.resolve("uefi-vars");
    }

    private static void copy(Path from, Path vmVars) {
        Path partial = vmVars.resolveSibling(vmVars.getFileName() + ".partial");
        try {
            Files.deleteIfExists(partial);
            Files.createFile(
                    partial, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            // Written through the 0600 file: Files.copy would recreate it with the template's mode.
            try (InputStream in = Files.newInputStream(from);
                    OutputStream out = Files.newOutputStream(partial)) {
                in.transferTo(out);
            }
            Files.move(partial, vmVars, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new HypervisorException(
                    "cannot copy the UEFI variable store to " + vmVars + ": " + e.getMessage(),
                    "check free space and permissions under the root dir");
        }
    }

    private static void requireFirmware(Path file, String key) {
        if (!Files.isReadable(file)) {
            throw new HypervisorException(
                    "UEFI firmware not found at " + file, "install the ovmf package or set [qemu] " + key);
        }
    }
}
