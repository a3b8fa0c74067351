package cocoon.runtime.cli;

import java.util.List;

/** {@code cocoon snapshot rm SNAP...}: remove snapshots; clones made from them keep working. */
final class SnapshotRmCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<List<String>> snapshots = parameters("SNAPSHOT", "snapshot name or id prefix");

    SnapshotRmCommand(CocoonCommand root) {
        super("Remove snapshots. VMs cloned from them keep their own disks.");
        this.root = root;
    }

    @Override
    public void run() {
        App app = root.app();
        Each.vm(
                snapshots.get(),
                snapshot ->
                        System.out.println(app.snapshotting().remove(snapshot).name() + " removed"));
    }
}
