package cocoon.runtime.cli;

import cocoon.runtime.snapshot.SnapshotRecord;
import java.nio.file.Path;

/** {@code cocoon snapshot inspect SNAP}: the snapshot's record and folder, as JSON. */
final class SnapshotInspectCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<String> snapshot = parameter(0, "SNAPSHOT", "snapshot name or id prefix");

    SnapshotInspectCommand(CocoonCommand root) {
        super("Show a snapshot's record as JSON.");
        this.root = root;
    }

    @Override
    public void run() {
        App app = root.app();
        SnapshotRecord record = app.snapshots().resolve(snapshot.get());
        JsonOutput.print(new Inspection(record, app.snapshots().folder(record.id())));
    }

    record Inspection(SnapshotRecord snapshot, Path folder) {}
}
