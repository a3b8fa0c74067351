package cocoon.runtime.cli;

import picocli.AutoComplete;

/** {@code cocoon completion}: a bash/zsh completion script generated from the command tree. */
final class CompletionCommand extends CliCommand {

    CompletionCommand() {
        super("Print a bash/zsh completion script: source <(cocoon completion)");
    }

    @Override
    public void run() {
        System.out.print(AutoComplete.bash("cocoon", spec().root().commandLine()));
    }
}
