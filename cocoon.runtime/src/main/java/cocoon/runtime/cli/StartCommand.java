package cocoon.runtime.cli;

import cocoon.api.VmRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.List;

/** {@code cocoon start VM...}. */
@Command(name = "start", mixinStandardHelpOptions = true, description = "Start VMs: one detached hypervisor process each.")
final class StartCommand implements Runnable {

    @ParentCommand
    CocoonCommand root;

    @Parameters(arity = "1..*", paramLabel = "VM", description = "VM name or id prefix")
    List<String> vms;

    @Override
    public void run() {
        Each.vm(vms, vm -> {
            VmRecord started = root.app().lifecycle().start(vm);
            System.out.println(started.name() + " started (" + started.hypervisor() + ", pid " + started.pid() + ")");
        });
    }
}
