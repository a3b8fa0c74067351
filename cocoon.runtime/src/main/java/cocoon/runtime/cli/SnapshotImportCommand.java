package cocoon.runtime.cli;

import cocoon.api.CocoonException;
import cocoon.runtime.progress.ProgressRenderer;
import cocoon.runtime.snapshot.SnapshotImport;
import cocoon.runtime.snapshot.SnapshotRecord;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code cocoon snapshot import FILE}: a snapshot from an export, every member checked against its sha256. */
final class SnapshotImportCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<String> file =
            parameter(0, "FILE", "an export of cocoon snapshot export; - for standard input");
    private final Value<String> name =
            option(String.class, "NAME", "Name of the imported snapshot (default: its exported name).", "--name");

    SnapshotImportCommand(CocoonCommand root) {
        super("Import a snapshot from cocoon snapshot export's tar stream; every member is checked against its"
                + " sha256 and nothing is stored unless all match. An image it needs that is not pulled here is pulled"
                + " from its registry by digest; a cloud image's base comes in the export unless it was left out.");
        this.root = root;
    }

    @Override
    public void run() {
        App app = root.app();
        // Its lines say what a fetch by digest or a stored base did; no closing line, most imports fetch nothing.
        ProgressRenderer progress = ProgressRenderer.forStderr(false);
        SnapshotImport importer = new SnapshotImport(app.snapshots(), app.images(), progress);
        SnapshotRecord record;
        if (file.get().equals("-")) {
            record = importer.read(new BufferedInputStream(System.in, 1 << 20), "standard input", name.get());
        } else {
            Path path = Path.of(file.get());
            try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 20)) {
                record = importer.read(in, path.toString(), name.get());
            } catch (IOException e) {
                throw new CocoonException("cannot read " + path + ": " + e.getMessage(), "check the file name");
            }
        }
        System.out.println(record.name() + " " + record.id());
    }
}
