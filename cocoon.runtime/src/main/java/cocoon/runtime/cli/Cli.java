package cocoon.runtime.cli;

import cocoon.api.CocoonException;
import cocoon.runtime.store.IoFailure;
import java.io.PrintWriter;
import picocli.CommandLine;

/** Parses the command line, runs the command and turns failures into exit codes: 1 for errors, 2 for usage. */
public final class Cli {

    public static final int ERROR = 1;
    public static final int USAGE = 2;

    private Cli() {}

    public static int run(String... args) {
        CocoonCommand root = new CocoonCommand();
        Warmup.startFor(Commands.word(root, args));
        return commandLine(root, args)
                .setExecutionExceptionHandler((e, cmd, parsed) -> failure(e, root, cmd.getErr()))
                .setParameterExceptionHandler(Cli::usage)
                .execute(args);
    }

    /** The command tree for this command line: the root and the commands it needs ({@link Commands}). */
    static CommandLine commandLine(CocoonCommand root, String... args) {
        CommandLine commandLine = new CommandLine(root.spec());
        Commands.addTo(commandLine, root, args);
        return commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    }

    private static int failure(Exception e, CocoonCommand root, PrintWriter err) {
        if (e instanceof Errors.AlreadyReported) {
            return ERROR;
        }
        err.println(Errors.line(explained(e, root)));
        if (root.debug()) {
            e.printStackTrace(err);
        }
        err.flush();
        return ERROR;
    }

    /** The failure as the user should read it: a file-system failure gets a reason and a next step too. */
    private static CocoonException explained(Exception e, CocoonCommand root) {
        if (e instanceof CocoonException ce) {
            return ce;
        }
        return IoFailure.explain(e, root.rootDirIfKnown())
                .orElseGet(() -> new CocoonException("internal error: " + e, "rerun with --debug and report it"));
    }

    /**
     * A usage error is one line and a pointer to the command's help, as docker and git print it: the
     * whole usage would bury the line. Only a missing command gets the usage, which lists them all.
     */
    static int usage(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("cocoon: " + message(e));
        if (e instanceof CocoonCommand.NoCommand) {
            cmd.usage(err, cmd.getColorScheme());
        } else {
            err.println("see '" + cmd.getCommandSpec().qualifiedName() + " --help'");
        }
        err.flush();
        return USAGE;
    }

    /** picocli's words, except for a word where a command belongs, which it calls an "unmatched argument". */
    private static String message(CommandLine.ParameterException e) {
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched
                && e.getCommandLine().getParent() == null
                && !unmatched.getUnmatched().isEmpty()
                && !unmatched.getUnmatched().get(0).startsWith("-")) {
            return "unknown command '" + unmatched.getUnmatched().get(0) + "'";
        }
        return e.getMessage();
    }
}
