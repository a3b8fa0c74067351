package cocoon.runtime.cli;

/** {@code cocoon version}: the build's version, git revision and build time. Loads no plugin. */
final class VersionCommand extends CliCommand {

    VersionCommand() {
        super("Show the version, git revision and build time.");
    }

    @Override
    public void run() {
        System.out.println("cocoon " + BuildInfo.version());
        System.out.println("revision: " + BuildInfo.revision());
        System.out.println("built: " + BuildInfo.buildTime());
        System.out.println("java: " + Runtime.version());
    }
}
