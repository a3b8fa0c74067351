package cocoon.runtime.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.Set;

/**
 * Every subcommand, in the order help lists them. picocli reflects over each command it is given,
 * so a command line that names one command gets only that one; help, completion and anything
 * unrecognised get them all.
 */
final class Subcommands {

    static final List<Class<?>> ALL = List.of(
            PullCommand.class, ListCommand.class, DeleteCommand.class, RunCommand.class, GcCommand.class,
            CreateCommand.class, StartCommand.class, StopCommand.class, PsCommand.class, InspectCommand.class,
            ConsoleCommand.class, RmCommand.class, VersionCommand.class, DoctorCommand.class,
            CompletionCommand.class, CommandLine.HelpCommand.class);

    /** Global options that take a separate value ({@code --root-dir DIR}). */
    private static final Set<String> GLOBAL_WITH_VALUE = Set.of("--config", "--root-dir", "--run-dir", "--log-dir");

    /** Commands that work on the whole command tree. */
    private static final Set<Class<?>> NEED_ALL = Set.of(CompletionCommand.class, CommandLine.HelpCommand.class);

    private Subcommands() {
    }

    static List<Class<?>> needed(String... args) {
        String name = firstWord(args);
        if (name == null) {
            return ALL;
        }
        for (Class<?> command : ALL) {
            Command annotation = command.getAnnotation(Command.class);
            if (annotation.name().equals(name) || List.of(annotation.aliases()).contains(name)) {
                return NEED_ALL.contains(command) ? ALL : List.of(command);
            }
        }
        return ALL;
    }

    /** The first argument that is neither a global option nor its value: the command name. */
    private static String firstWord(String... args) {
        for (int i = 0; i < args.length; i++) {
            if (GLOBAL_WITH_VALUE.contains(args[i])) {
                i++;
            } else if (!args[i].startsWith("-")) {
                return args[i];
            }
        }
        return null;
    }
}
