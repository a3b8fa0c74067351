package cocoon.runtime.cli;

import cocoon.api.CocoonException;
import picocli.CommandLine;

import java.io.PrintWriter;

/** Parses the command line, runs the command and turns failures into exit codes: 1 for errors, 2 for usage. */
public final class Cli {

    public static final int ERROR = 1;
    public static final int USAGE = 2;

    private Cli() {
    }

    public static int run(String... args) {
        CocoonCommand root = new CocoonCommand();
        return commandLine(root, args)
                .setExecutionExceptionHandler((e, cmd, parsed) -> failure(e, root.debug(), cmd.getErr()))
                .setParameterExceptionHandler(Cli::usage)
                .execute(args);
    }

    /** The command tree for this command line: the root and the commands it needs ({@link Commands}). */
    static CommandLine commandLine(CocoonCommand root, String... args) {
        CommandLine commandLine = new CommandLine(root.spec());
        Commands.addTo(commandLine, root, args);
        return commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    }

    private static int failure(Exception e, boolean debug, PrintWriter err) {
        if (e instanceof Errors.AlreadyReported) {
            return ERROR;
        }
        if (e instanceof CocoonException ce) {
            err.println(Errors.line(ce));
        } else {
            err.println("cocoon: internal error: " + e + ": rerun with --debug and report it");
        }
        if (debug) {
            e.printStackTrace(err);
        }
        err.flush();
        return ERROR;
    }

    private static int usage(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("cocoon: " + e.getMessage());
        cmd.usage(err, cmd.getColorScheme());
        err.flush();
        return USAGE;
    }
}
