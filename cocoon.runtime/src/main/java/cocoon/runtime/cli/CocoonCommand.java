package cocoon.runtime.cli;

import cocoon.runtime.config.Settings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.nio.file.Path;

/** The top-level {@code cocoon} command: global flags; {@link Subcommands} says which commands hang below it. */
@Command(name = "cocoon",
        mixinStandardHelpOptions = true,
        versionProvider = BuildInfo.class,
        description = "Real virtual machines as easily as containers: OCI VM images and cloud images on Cloud Hypervisor or QEMU.")
public final class CocoonCommand implements Runnable {

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Config file (TOML). Env COCOON_CONFIG; default " + "/etc/cocoon/config.toml" + " when it exists.")
    Path config;

    @Option(names = "--root-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "Images, disks and VM records. Env COCOON_ROOT_DIR; default /var/lib/cocoon.")
    Path rootDir;

    @Option(names = "--run-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "Sockets and pid files. Env COCOON_RUN_DIR; default /var/run/cocoon.")
    Path runDir;

    @Option(names = "--log-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "Console and hypervisor logs. Env COCOON_LOG_DIR; default /var/log/cocoon.")
    Path logDir;

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Show stack traces of errors.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private App app;

    /** The runtime behind the commands, built on first use so {@code version} and {@code --help} stay cheap. */
    App app() {
        if (app == null) {
            app = new App(new Settings.Flags(config, rootDir, runDir, logDir));
        }
        return app;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}
