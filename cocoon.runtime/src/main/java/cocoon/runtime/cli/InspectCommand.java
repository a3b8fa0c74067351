package cocoon.runtime.cli;

import cocoon.api.VmRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code cocoon inspect VM}: the full record, live state included, as JSON. */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show a VM's record, with its live state, as JSON.")
final class InspectCommand implements Runnable {

    @ParentCommand
    CocoonCommand root;

    @Parameters(index = "0", paramLabel = "VM", description = "VM name or id prefix")
    String vm;

    @Option(names = "--format", paramLabel = "json", defaultValue = "json", description = "Output format; only json.")
    String format;

    @Override
    public void run() {
        if (!"json".equals(format)) {
            throw new cocoon.api.InvalidInputException("--format " + format + " is not supported by inspect", "use --format json");
        }
        App app = root.app();
        VmRecord record = app.lifecycle().live(app.vms().resolve(vm));
        JsonOutput.print(new Inspection(record, app.lifecycle().paths(record)));
    }

    /** The record plus where its files live. */
    record Inspection(VmRecord vm, cocoon.api.VmPaths paths) {}
}
