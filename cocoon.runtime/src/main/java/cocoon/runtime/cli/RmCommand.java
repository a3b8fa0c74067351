package cocoon.runtime.cli;

import cocoon.api.NotFoundException;
import cocoon.api.VmRecord;
import java.util.ArrayList;
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
        List<VmRecord> removed = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        try {
            Each.vm(vms.get(), vm -> {
                try {
                    removed.add(app.lifecycle()
                            .remove(vm, force.isSet(), app.settings().defaults().stopTimeout()));
                } catch (NotFoundException e) {
                    unknown.add(vm);
                    throw e;
                }
                System.out.println(removed.getLast().name() + " removed");
            });
        } finally {
            // An rm killed after the record went leaves a VM no name finds: the user's rm of it again cleans up.
            if (app.settings().gc().afterRemove()) {
                GcCommand.report(app.collector().collectAfterRemove(removed, !unknown.isEmpty()), false, true);
            }
        }
    }
}
