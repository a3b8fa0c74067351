package cocoon.runtime.cli;

import picocli.CommandLine;

/** {@code cocoon help [COMMAND]}: the usage of cocoon or of one of its commands. */
final class HelpCommand extends CliCommand {

    private final Value<String> command = optionalParameter(0, "COMMAND", "the command to explain");

    HelpCommand() {
        super("Display help information about the specified command.");
    }

    @Override
    public void run() {
        CommandLine cocoon = spec().root().commandLine();
        if (command.get() == null) {
            cocoon.usage(System.out);
            return;
        }
        CommandLine target = cocoon.getSubcommands().get(command.get());
        if (target == null) {
            throw new CommandLine.ParameterException(spec().commandLine(), "unknown command '" + command.get() + "'");
        }
        target.usage(System.out);
    }
}
