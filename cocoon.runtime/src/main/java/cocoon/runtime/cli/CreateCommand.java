package cocoon.runtime.cli;

import cocoon.api.VmRecord;

/** {@code cocoon create IMAGE}: make a VM (its disks and record) without starting it. */
final class CreateCommand extends CliCommand {

    private final CocoonCommand root;
    private final CreateOptions options = new CreateOptions(this);

    CreateCommand(CocoonCommand root) {
        super("Create a VM from a pulled image.");
        this.root = root;
    }

    @Override
    public void run() {
        VmRecord vm = root.app().lifecycle().create(options.request());
        System.out.println(vm.name() + " " + vm.id());
    }
}
