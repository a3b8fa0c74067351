package cocoon.runtime.cli;

import cocoon.api.VmRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code cocoon create IMAGE}: make a VM (its disks and record) without starting it. */
@Command(name = "create", mixinStandardHelpOptions = true, description = "Create a VM from a pulled image.")
final class CreateCommand implements Runnable {

    @ParentCommand
    CocoonCommand root;

    @Mixin
    CreateOptions options;

    @Override
    public void run() {
        VmRecord vm = root.app().lifecycle().create(options.request());
        System.out.println(vm.name() + " " + vm.id());
    }
}
