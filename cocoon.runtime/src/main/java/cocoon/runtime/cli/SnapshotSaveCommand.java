package cocoon.runtime.cli;

import cocoon.runtime.snapshot.SnapshotRecord;

/** {@code cocoon snapshot save VM}: a running VM's disks and memory, or a stopped VM's disks. */
final class SnapshotSaveCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<String> vm = parameter(0, "VM", "VM name or id prefix");
    private final Value<String> name =
            option(String.class, "NAME", "Snapshot name (default: <vm>-<6 hex digits>).", "--name");
    private final Flag diskOnly =
            flag("Copy only the disks, even of a running VM (it is paused meanwhile).", "--disk-only");

    SnapshotSaveCommand(CocoonCommand root) {
        super("Snapshot a VM: a running one is paused, its disks copied and its memory saved, then resumed;"
                + " a stopped one gets its disks copied.");
        this.root = root;
    }

    @Override
    public void run() {
        SnapshotRecord snapshot = root.app().snapshotting().save(vm.get(), name.get(), diskOnly.isSet());
        System.out.println(snapshot.name() + " " + snapshot.id());
    }
}
