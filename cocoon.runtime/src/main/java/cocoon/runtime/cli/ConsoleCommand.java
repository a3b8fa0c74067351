package cocoon.runtime.cli;

import cocoon.runtime.console.ConsoleSession;
import cocoon.runtime.console.EscapeFilter;
import java.nio.file.Path;

/** {@code cocoon console VM}: attach the terminal to the VM's console; {@code ~.} leaves. */
final class ConsoleCommand extends CliCommand {

    private final CocoonCommand root;
    private final Value<String> vm = parameter(0, "VM", "VM name or id prefix");
    private final Value<String> escapeChar = optionWithDefault(
            String.class,
            "CHAR|none",
            "~",
            "Escape character, or none to disable escapes (default: ${DEFAULT-VALUE}).",
            "-e",
            "--escape-char");

    ConsoleCommand(CocoonCommand root) {
        super("Attach to a running VM's console. Escapes after a newline: ~. disconnect, ~? help, ~~ a literal ~.");
        this.root = root;
    }

    @Override
    public void run() {
        attach(root.app(), vm.get(), EscapeFilter.parse(escapeChar.get()));
    }

    /** Until the user leaves or the VM stops; {@code clone --console} attaches the same way. */
    static void attach(App app, String vm, EscapeFilter escapes) {
        Path console = app.lifecycle().console(vm);
        Path lockFile = app.lifecycle().paths(app.vms().resolve(vm)).runDir().resolve("console.lock");
        new ConsoleSession(console, lockFile, escapes, vm).attach();
    }
}
