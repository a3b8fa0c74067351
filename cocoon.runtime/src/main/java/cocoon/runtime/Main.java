package cocoon.runtime;

import cocoon.runtime.cli.Cli;

/** Entry point of the {@code cocoon} launcher. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(Cli.run(args));
    }
}
