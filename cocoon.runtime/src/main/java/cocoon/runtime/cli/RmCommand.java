package cocoon.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.List;

/** {@code cocoon rm VM...}: remove VMs, their disks and folders. */
@Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove VMs with their disks. Running VMs need --force.")
final class RmCommand implements Runnable {

    @ParentCommand
    CocoonCommand root;

    @Parameters(arity = "1..*", paramLabel = "VM", description = "VM name or id prefix")
    List<String> vms;

    @Option(names = {"-f", "--force"}, description = "Stop running VMs first.")
    boolean force;

    @Override
    public void run() {
        App app = root.app();
        try {
            Each.vm(vms, vm -> System.out.println(app.lifecycle().remove(vm, force, app.settings().defaults().stopTimeout()).name() + " removed"));
        } finally {
            if (app.settings().gc().afterRemove()) {
                GcCommand.report(app.collector().collect(app.settings().gc().horizon(), false), false, true);
            }
        }
    }
}
