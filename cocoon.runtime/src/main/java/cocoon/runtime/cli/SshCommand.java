package cocoon.runtime.cli;

import cocoon.api.VmRecord;
import cocoon.runtime.host.HostProcesses;
import cocoon.runtime.ssh.SshLogin;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;

/** {@code cocoon ssh VM [-i KEY] [-- COMMAND...]}: the system ssh client, logged in as the VM's cloud-init user. */
final class SshCommand extends CliCommand implements CommandLine.IExitCodeGenerator {

    private final CocoonCommand root;
    private final Value<String> vm = parameter(0, "VM", "VM name or id prefix");
    private final Value<List<String>> command =
            remaining(1, "COMMAND", "What to run in the VM instead of a login shell; put -- before it.");
    private final Value<Path> identity = option(
            Path.class,
            "KEY",
            "Private key to log in with (default: the one beside the public key given to create --ssh-key).",
            "-i",
            "--identity");
    private int exitCode;

    SshCommand(CocoonCommand root) {
        super("Log in to a running VM with ssh as the user create made, or run a command there; ssh's exit status"
                + " is cocoon's.");
        this.root = root;
    }

    @Override
    public void run() {
        App app = root.app();
        VmRecord record = app.lifecycle().live(app.vms().resolve(vm.get()));
        HostProcesses host = new HostProcesses();
        List<String> argv = SshLogin.argv(
                record,
                app.lifecycle().paths(record),
                identity.get(),
                command.get() == null ? List.of() : command.get(),
                host.which("ssh"));
        exitCode = host.runAttached(argv);
    }

    @Override
    public int getExitCode() {
        return exitCode;
    }
}
