package cocoon.runtime.cli;

import cocoon.api.VmRecord;

/** {@code cocoon run IMAGE}: print the hypervisor command {@code start} would run. Creates nothing. */
final class RunCommand extends CliCommand {

    private final CocoonCommand root;
    private final CreateOptions options = new CreateOptions(this);

    RunCommand(CocoonCommand root) {
        super("Print the exact hypervisor command a VM made with these flags would start with; creates nothing.");
        this.root = root;
    }

    @Override
    public void run() {
        App app = root.app();
        VmRecord plan = app.lifecycle().plan(options.request());
        System.out.println(ShellQuote.command(app.lifecycle().command(plan)));
    }
}
