package cocoon.runtime.cli;

import cocoon.api.VmRecord;
import cocoon.runtime.config.Sizes;
import java.time.Instant;
import java.util.List;

/** {@code cocoon ps}: every VM, its state checked against the live process. */
final class PsCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<OutputFormat> format = formatOption();

    PsCommand(CocoonCommand root) {
        super("List VMs with their live state.");
        this.root = root;
    }

    @Override
    public void run() {
        App app = root.app();
        List<VmRecord> vms =
                app.vms().list().stream().map(app.lifecycle()::live).toList();
        if (format.get() == OutputFormat.json) {
            JsonOutput.print(vms);
            return;
        }
        Instant now = Instant.now();
        Table table = new Table("VM ID", "NAME", "IMAGE", "STATE", "ADDRESS", "CPU", "MEMORY", "HYPERVISOR", "CREATED");
        for (VmRecord vm : vms) {
            table.row(
                    vm.id().substring(0, 12),
                    vm.name(),
                    vm.image().reference(),
                    vm.state().label(),
                    vm.network().address().isEmpty() ? "-" : vm.network().address(),
                    Integer.toString(vm.spec().cpus()),
                    Sizes.format(vm.spec().memoryBytes()),
                    vm.hypervisor(),
                    Ages.ago(vm.created(), now));
        }
        table.print(System.out);
    }
}
