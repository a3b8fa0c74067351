package cocoon.runtime.cli;

import cocoon.api.VmRecord;
import cocoon.runtime.config.Sizes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.time.Instant;
import java.util.List;

/** {@code cocoon ps}: every VM, its state checked against the live process. */
@Command(name = "ps", mixinStandardHelpOptions = true, description = "List VMs with their live state.")
final class PsCommand implements Runnable {

    @ParentCommand
    CocoonCommand root;

    @Option(names = "--format", paramLabel = "table|json", defaultValue = "table", description = "Output format (default: ${DEFAULT-VALUE}).")
    OutputFormat format;

    @Override
    public void run() {
        App app = root.app();
        List<VmRecord> vms = app.vms().list().stream().map(app.lifecycle()::live).toList();
        if (format == OutputFormat.json) {
            JsonOutput.print(vms);
            return;
        }
        Instant now = Instant.now();
        Table table = new Table("VM ID", "NAME", "IMAGE", "STATE", "CPU", "MEMORY", "HYPERVISOR", "CREATED");
        for (VmRecord vm : vms) {
            table.row(vm.id().substring(0, 12), vm.name(), vm.image().reference(), vm.state().label(),
                    Integer.toString(vm.spec().cpus()), Sizes.format(vm.spec().memoryBytes()), vm.hypervisor(),
                    Ages.ago(vm.created(), now));
        }
        table.print(System.out);
    }
}
