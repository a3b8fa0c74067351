package cocoon.runtime.cli;

import cocoon.runtime.config.Sizes;
import cocoon.runtime.snapshot.SnapshotRecord;
import java.time.Instant;
import java.util.List;

/** {@code cocoon snapshot ls}: every snapshot whose save finished. */
final class SnapshotListCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<OutputFormat> format = formatOption();

    SnapshotListCommand(CocoonCommand root) {
        super("List snapshots.");
        this.root = root;
    }

    @Override
    public void run() {
        List<SnapshotRecord> snapshots = root.app().snapshots().list();
        if (format.get() == OutputFormat.json) {
            JsonOutput.print(snapshots);
            return;
        }
        Instant now = Instant.now();
        Table table = new Table("SNAPSHOT ID", "NAME", "VM", "KIND", "IMAGE", "MEMORY", "CREATED");
        for (SnapshotRecord snapshot : snapshots) {
            table.row(
                    snapshot.id().substring(0, 12),
                    snapshot.name(),
                    snapshot.vm().name(),
                    snapshot.kind(),
                    snapshot.vm().image().reference(),
                    Sizes.format(snapshot.vm().spec().memoryBytes()),
                    Ages.ago(snapshot.created(), now));
        }
        table.print(System.out);
    }
}
