package cocoon.runtime;

import cocoon.runtime.cli.Cli;

/** Entry point of the {@code cocoon} launcher. */
public final class Main {

    private Main() {}

    /**
     * Runs the command, then halts. {@code System.exit} would log the exit through {@code System.getLogger},
     * whose first use looks up logger providers in every jar on the module path: ~100 ms on a command
     * that takes 150. Nothing of Cocoon's needs the shutdown sequence once a command has returned (the
     * console restores the terminal before it returns), so flushing the two streams is all that is left.
     */
    public static void main(String[] args) {
        Runtime.getRuntime().halt(run(args));
    }

    /** Runs the command and flushes its output; its exit status. */
    static int run(String... args) {
        int status = Cli.run(args);
        System.out.flush();
        System.err.flush();
        return status;
    }
}
