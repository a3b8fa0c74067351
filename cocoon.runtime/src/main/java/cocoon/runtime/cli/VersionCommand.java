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
        // The string Runtime.version() would parse with a regex first, a millisecond of this command's ~12.
        System.out.println("java: " + System.getProperty("java.runtime.version"));
    }
}
