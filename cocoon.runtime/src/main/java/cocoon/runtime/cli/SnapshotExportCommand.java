package cocoon.runtime.cli;

import cocoon.api.CocoonException;
import cocoon.runtime.snapshot.SnapshotExport;
import cocoon.runtime.store.IoFailure;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import picocli.CommandLine;

/** {@code cocoon snapshot export SNAP -o FILE}: the snapshot as one tar stream, for snapshot import elsewhere. */
final class SnapshotExportCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<String> snapshot = parameter(0, "SNAPSHOT", "snapshot name or id prefix");
    private final Value<String> output =
            option(String.class, "FILE", "Where the export goes (required); - for standard output.", "-o", "--output");
    private final Flag withoutBase = flag(
            "Leave out the base of a cloud image: the export then imports only where the same image (same digest)"
                    + " is pulled.",
            "--without-base");

    SnapshotExportCommand(CocoonCommand root) {
        super("Write a snapshot as a tar stream (a manifest with every member's sha256, then its disks and memory"
                + " state) that cocoon snapshot import reads. OCI images are named by digest, not included; a cloud"
                + " image's base, which its URL may no longer serve, is included unless --without-base.");
        this.root = root;
    }

    @Override
    public void run() {
        if (output.get() == null) {
            throw new CommandLine.ParameterException(spec().commandLine(), "Missing required option: '--output=FILE'");
        }
        SnapshotExport export =
                new SnapshotExport(root.app().snapshots(), root.app().images());
        if (output.get().equals("-")) {
            // Not System.out: a PrintStream swallows write errors, and a reader that went away must fail the export.
            try (OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 20)) {
                export.write(snapshot.get(), out, !withoutBase.isSet());
            } catch (IOException e) {
                throw new CocoonException(
                        "cannot write the export to standard output: " + e.getMessage(),
                        "check what reads it (a full disk, a closed pipe)");
            }
            return;
        }
        Path target = Path.of(output.get()).toAbsolutePath();
        // Written beside the target and renamed when complete: a failed export leaves no file that looks whole.
        Path partial = target.resolveSibling("." + target.getFileName() + ".partial");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial), 1 << 20)) {
                Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-------"));
                export.write(snapshot.get(), out, !withoutBase.isSet());
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw IoFailure.isNoSpace(e)
                    ? IoFailure.noSpace(target.getParent(), e)
                    : new CocoonException(
                            "cannot write " + target + ": " + e.getMessage(), "check the folder and its permissions");
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // Only a leftover temp file: the error that matters, if any, is already on its way.
            }
        }
    }
}
