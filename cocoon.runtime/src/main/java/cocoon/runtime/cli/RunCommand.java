package cocoon.runtime.cli;

import cocoon.api.VmRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;


/** {@code cocoon run IMAGE}: print the hypervisor command {@code start} would run. Creates nothing. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Print the exact hypervisor command a VM made with these flags would start with; creates nothing.")
final class RunCommand implements Runnable {

    @ParentCommand
    CocoonCommand root;

    @Mixin
    CreateOptions options;

    @Override
    public void run() {
        App app = root.app();
        VmRecord plan = app.lifecycle().plan(options.request());
        System.out.println(ShellQuote.command(app.lifecycle().command(plan)));
    }

}
