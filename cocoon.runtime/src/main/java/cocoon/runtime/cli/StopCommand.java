package cocoon.runtime.cli;

import java.time.Duration;
import java.util.List;

/** {@code cocoon stop VM...}: ACPI power button, then harder means after the timeout. */
final class StopCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<List<String>> vms = parameters("VM", "VM name or id prefix");
    private final Value<Duration> timeout = option(
            new Converters.Time(),
            Duration.class,
            "DURATION",
            "How long the guest gets to power off (default: [defaults] stop_timeout, 30s).",
            "-t",
            "--timeout");
    private final Flag force = flag("Skip the power button: stop the hypervisor at once.", "--force");

    StopCommand(CocoonCommand root) {
        super("Stop VMs: ACPI power button, wait up to --timeout, then shut the hypervisor down, then kill it.");
        this.root = root;
    }

    @Override
    public void run() {
        App app = root.app();
        Duration wait = timeout.get() != null
                ? timeout.get()
                : app.settings().defaults().stopTimeout();
        Each.vm(
                vms.get(),
                vm -> System.out.println(
                        app.lifecycle().stop(vm, wait, force.isSet()).name() + " stopped"));
    }
}
