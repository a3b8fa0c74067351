package cocoon.runtime.cli;

import cocoon.runtime.console.ConsoleSession;
import cocoon.runtime.console.EscapeFilter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.nio.file.Path;

/** {@code cocoon console VM}: attach the terminal to the VM's console; {@code ~.} leaves. */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = "Attach to a running VM's console. Escapes after a newline: ~. disconnect, ~? help, ~~ a literal ~.")
final class ConsoleCommand implements Runnable {

    @ParentCommand
    CocoonCommand root;

    @Parameters(index = "0", paramLabel = "VM", description = "VM name or id prefix")
    String vm;

    @Option(names = {"-e", "--escape-char"}, paramLabel = "CHAR|none", defaultValue = "~",
            description = "Escape character, or none to disable escapes (default: ${DEFAULT-VALUE}).")
    String escapeChar;

    @Override
    public void run() {
        EscapeFilter escapes = EscapeFilter.parse(escapeChar);
        App app = root.app();
        Path pty = app.lifecycle().console(vm);
        Path lockFile = app.lifecycle().paths(app.vms().resolve(vm)).runDir().resolve("console.lock");
        new ConsoleSession(pty, lockFile, escapes, vm).attach();
    }
}
