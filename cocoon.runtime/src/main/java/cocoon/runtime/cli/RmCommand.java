package cocoon.runtime.cli;

import java.util.List;

/** {@code cocoon rm VM...}: remove VMs, their disks and folders. */
final class RmCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<List<String>> vms = parameters("VM", "VM name or id prefix");
    private final Flag force = flag("Stop running VMs first.", "-f", "--force");

    RmCommand(CocoonCommand root) {
        super("Remove VMs with their disks. Running VMs need --force.");
        this.root = root;
    }

    @Override
    public void run() {
        App app = root.app();
        try {
            Each.vm(
                    vms.get(),
                    vm -> System.out.println(
                            app.lifecycle()
                                            .remove(
                                                    vm,
                                                    force.isSet(),
                                                    app.settings().defaults().stopTimeout())
                                            .name() + " removed"));
        } finally {
            if (app.settings().gc().afterRemove()) {
                GcCommand.report(app.collector().collect(app.settings().gc().horizon(), false), false, true);
            }
        }
    }
}
