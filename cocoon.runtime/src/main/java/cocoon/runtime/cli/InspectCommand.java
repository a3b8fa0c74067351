package cocoon.runtime.cli;

import cocoon.api.InvalidInputException;
import cocoon.api.VmPaths;
import cocoon.api.VmRecord;

/** {@code cocoon inspect VM}: the full record, live state included, as JSON. */
final class InspectCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<String> vm = parameter(0, "VM", "VM name or id prefix");
    private final Value<String> format = optionWithDefault(String.class, "json", "json", "Output format; only json.", "--format");

    InspectCommand(CocoonCommand root) {
        super("Show a VM's record, with its live state, as JSON.");
        this.root = root;
    }

    @Override
    public void run() {
        if (!"json".equals(format.get())) {
            throw new InvalidInputException("--format " + format.get() + " is not supported by inspect", "use --format json");
        }
        App app = root.app();
        VmRecord record = app.lifecycle().live(app.vms().resolve(vm.get()));
        JsonOutput.print(new Inspection(record, app.lifecycle().paths(record)));
    }

    /** The record plus where its files live. */
    record Inspection(VmRecord vm, VmPaths paths) {}
}
