package cocoon.runtime.cli;

import picocli.CommandLine.Command;

/** {@code cocoon version}: the build's version, git revision and build time. Loads no plugin. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Show the version, git revision and build time.")
final class VersionCommand implements Runnable {

    @Override
    public void run() {
        System.out.println("cocoon " + BuildInfo.version());
        System.out.println("revision: " + BuildInfo.revision());
        System.out.println("built: " + BuildInfo.buildTime());
        System.out.println("java: " + Runtime.version());
    }
}
