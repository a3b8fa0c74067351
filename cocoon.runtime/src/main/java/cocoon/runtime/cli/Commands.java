package cocoon.runtime.cli;

import java.util.List;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every subcommand with its names, in the order help lists them. Building and adding a command's model
 * costs picocli ~1.3 ms in a fresh JVM, ~20 ms for all 18 when measured: most of what {@code cocoon version} does
 * after the JVM starts. So a command line that names a command gets only that one; help, completion,
 * no command and an unknown word get them all (an unknown word's usage error lists them).
 */
final class Commands {

    private record Entry(String name, Function<CocoonCommand, CliCommand> make, List<String> aliases) {
        Entry(String name, Function<CocoonCommand, CliCommand> make, String... aliases) {
            this(name, make, List.of(aliases));
        }

        boolean answersTo(String word) {
            return name.equals(word) || aliases.contains(word);
        }
    }

    private static final List<Entry> ALL = List.of(
            new Entry("pull", PullCommand::new),
            new Entry("list", ListCommand::new, "ls"),
            new Entry("delete", DeleteCommand::new, "rmi"),
            new Entry("run", RunCommand::new),
            new Entry("gc", GcCommand::new),
            new Entry("create", CreateCommand::new),
            new Entry("start", StartCommand::new),
            new Entry("stop", StopCommand::new),
            new Entry("ps", PsCommand::new),
            new Entry("inspect", InspectCommand::new),
            new Entry("console", ConsoleCommand::new),
            new Entry("ssh", SshCommand::new),
            new Entry("rm", RmCommand::new),
            new Entry("snapshot", SnapshotCommand::new),
            new Entry("clone", CloneCommand::new),
            new Entry("restore", RestoreCommand::new),
            new Entry("version", root -> new VersionCommand()),
            new Entry("doctor", DoctorCommand::new),
            new Entry("config", ConfigCommand::new),
            new Entry("completion", root -> new CompletionCommand()),
            new Entry("help", root -> new HelpCommand()));

    /** Commands that work on the whole tree. */
    private static final List<String> NEED_ALL = List.of("help", "completion");

    private Commands() {}

    static void addTo(CommandLine cocoon, CocoonCommand root, String... args) {
        String word = word(root, args);
        for (Entry entry : ALL) {
            if (word != null && entry.answersTo(word) && !NEED_ALL.contains(word)) {
                add(cocoon, root, entry);
                return;
            }
        }
        for (Entry entry : ALL) {
            add(cocoon, root, entry);
        }
    }

    private static void add(CommandLine cocoon, CocoonCommand root, Entry entry) {
        CommandSpec spec = entry.make()
                .apply(root)
                .spec()
                .name(entry.name())
                .aliases(entry.aliases().toArray(String[]::new));
        cocoon.addSubcommand(spec);
    }

    /** The first argument that is neither an option nor the value of a root option that takes one; null if none. */
    static String word(CocoonCommand root, String... args) {
        for (int i = 0; i < args.length; i++) {
            OptionSpec option = root.spec().findOption(args[i]);
            if (option != null && option.arity().max() > 0) {
                i++;
            } else if (!args[i].startsWith("-")) {
                return args[i];
            }
        }
        return null;
    }
}
