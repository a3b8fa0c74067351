package cocoon.runtime.cli;

import cocoon.runtime.config.Settings;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The top-level {@code cocoon} command: global flags; {@link Commands} hangs the subcommands below it. */
final class CocoonCommand extends CliCommand {

    private final Value<Path> config = global(
            Path.class,
            "FILE",
            "Config file (TOML). Env COCOON_CONFIG; default /etc/cocoon/config.toml when it exists.",
            "--config");
    private final Value<Path> rootDir = global(
            Path.class,
            "DIR",
            "Images, disks and VM records. Env COCOON_ROOT_DIR; default /var/lib/cocoon.",
            "--root-dir");
    private final Value<Path> runDir = global(
            Path.class, "DIR", "Sockets and pid files. Env COCOON_RUN_DIR; default /var/run/cocoon.", "--run-dir");
    private final Value<Path> logDir = global(
            Path.class,
            "DIR",
            "Console and hypervisor logs. Env COCOON_LOG_DIR; default /var/log/cocoon.",
            "--log-dir");
    private final Flag debug = globalFlag("Show stack traces of errors.", "--debug");

    private App app;

    CocoonCommand() {
        super(
                "Real virtual machines as easily as containers: OCI VM images and cloud images on Cloud Hypervisor or QEMU.");
        spec().name("cocoon").versionProvider(new BuildInfo());
        spec().addOption(OptionSpec.builder("-V", "--version")
                .versionHelp(true)
                .description("Print version information and exit.")
                .build());
    }

    boolean debug() {
        return debug.isSet();
    }

    /** The runtime behind the commands, built on first use so {@code version} and {@code --help} stay cheap. */
    App app() {
        if (app == null) {
            app = new App(flags());
        }
        return app;
    }

    /** The global flags as given, before or after the command's name. */
    Settings.Flags flags() {
        return new Settings.Flags(config.get(), rootDir.get(), runDir.get(), logDir.get());
    }

    /** The root dir of the settings, once a command has read them; {@code null} before. */
    Path rootDirIfKnown() {
        return app == null ? null : app.settings().rootDir();
    }

    @Override
    public void run() {
        throw new NoCommand(spec().commandLine());
    }

    /** {@code cocoon} alone: the one usage error answered with the whole usage, which lists the commands. */
    static final class NoCommand extends CommandLine.ParameterException {
        NoCommand(CommandLine cocoon) {
            super(cocoon, "a command is required");
        }
    }
}
