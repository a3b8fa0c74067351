package cocoon.runtime.cli;

import cocoon.api.VmRecord;
import java.util.List;

/** {@code cocoon start VM...}. */
final class StartCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<List<String>> vms = parameters("VM", "VM name or id prefix");

    StartCommand(CocoonCommand root) {
        super("Start VMs: one detached hypervisor process each.");
        this.root = root;
    }

    @Override
    public void run() {
        Each.vm(vms.get(), vm -> {
            VmRecord started = root.app().lifecycle().start(vm);
            System.out.println(started.name() + " started (" + started.hypervisor() + ", pid " + started.pid() + ")");
        });
    }
}
