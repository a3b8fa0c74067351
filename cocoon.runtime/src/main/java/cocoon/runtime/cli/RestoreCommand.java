package cocoon.runtime.cli;

import cocoon.api.VmRecord;

/** {@code cocoon restore VM SNAP}: roll a stopped VM back to a snapshot of itself. */
final class RestoreCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<String> vm = parameter(0, "VM", "VM name or id prefix");
    private final Value<String> snapshot = parameter(1, "SNAPSHOT", "a snapshot of that VM: name or id prefix");

    RestoreCommand(CocoonCommand root) {
        super("Roll a stopped VM back to a snapshot of itself: its disks; with a memory snapshot it resumes where"
                + " it was saved.");
        this.root = root;
    }

    @Override
    public void run() {
        VmRecord restored = root.app().snapshotting().restore(vm.get(), snapshot.get());
        System.out.println(restored.name() + " restored, " + restored.state().label());
    }
}
