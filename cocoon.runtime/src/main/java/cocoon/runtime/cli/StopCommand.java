package cocoon.runtime.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.time.Duration;
import java.util.List;

/** {@code cocoon stop VM...}: ACPI power button, then harder means after the timeout. */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop VMs: ACPI power button, wait up to --timeout, then shut the hypervisor down, then kill it.")
final class StopCommand implements Runnable {

    @ParentCommand
    CocoonCommand root;

    @Parameters(arity = "1..*", paramLabel = "VM", description = "VM name or id prefix")
    List<String> vms;

    @Option(names = {"-t", "--timeout"}, paramLabel = "DURATION", converter = Converters.Time.class,
            description = "How long the guest gets to power off (default: [defaults] stop_timeout, 30s).")
    Duration timeout;

    @Option(names = "--force", description = "Skip the power button: stop the hypervisor at once.")
    boolean force;

    @Override
    public void run() {
        App app = root.app();
        Duration wait = timeout != null ? timeout : app.settings().defaults().stopTimeout();
        Each.vm(vms, vm -> System.out.println(app.lifecycle().stop(vm, wait, force).name() + " stopped"));
    }
}
