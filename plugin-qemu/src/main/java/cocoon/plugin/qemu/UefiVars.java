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
        Path partial = vmVars.resolveSibling(vmVars.getFileName() + ".partial");
        try {
            Files.deleteIfExists(partial);
            Files.createFile(
                    partial, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            // Written through the 0600 file: Files.copy would recreate it with the template's mode.
            try (InputStream in = Files.newInputStream(settings.firmwareVars());
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
