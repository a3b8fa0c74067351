package cocoon.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.runtime.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** The command tree declared in code parses as the annotated one did: globals anywhere, typed values, defaults. */
class CommandLineModelTest {

    private CocoonCommand root = new CocoonCommand();
    private CommandLine cocoon;

    @Test
    void globalOptionsReachTheRootBeforeOrAfterTheCommandName() {
        parse("--root-dir", "/r", "ps", "--run-dir", "/run", "--log-dir=/log", "--config", "/c.toml", "--debug");
        assertEquals(
                new Settings.Flags(Path.of("/c.toml"), Path.of("/r"), Path.of("/run"), Path.of("/log")), root.flags());
        assertTrue(root.debug());
    }

    @Test
    void absentOptionsAreNullFlagsAreOffAndDefaultsApply() {
        parse("ps");
        assertEquals(new Settings.Flags(null, null, null, null), root.flags());
        assertFalse(root.debug());
        assertEquals(OutputFormat.table, subcommand("ps").findOption("--format").getValue());
    }

    @Test
    void valuesAreConvertedToTheirTypes() {
        parse("stop", "a", "b", "-t", "90s", "--force");
        CommandSpec stop = subcommand("stop");
        assertEquals(Duration.ofSeconds(90), stop.findOption("--timeout").getValue());
        assertEquals(true, stop.findOption("--force").getValue());
        assertEquals(List.of("a", "b"), stop.positionalParameters().get(0).getValue());

        parse("create", "img", "--memory", "2G", "--cpu", "4", "--ssh-key", "a.pub", "--ssh-key", "b.pub");
        CommandSpec create = subcommand("create");
        assertEquals(2L << 30, (Long) create.findOption("--memory").getValue());
        assertEquals(4, (Integer) create.findOption("--cpu").getValue());
        assertEquals(
                List.of(Path.of("a.pub"), Path.of("b.pub")),
                create.findOption("--ssh-key").getValue());
        assertNull(create.findOption("--storage").getValue());
        assertEquals("img", create.positionalParameters().get(0).getValue());
    }

    @Test
    void createTakesTheWordsAfterTheImageAsTheCommandAndItsFlagsAnywhere() {
        parse(
                "create",
                "-e",
                "A=1",
                "--env",
                "B",
                "-w",
                "/srv",
                "-u",
                "1000:1000",
                "--entrypoint",
                "/bin/sh",
                "img",
                "--init",
                "--",
                "-c",
                "echo $A --name x");
        CommandSpec create = subcommand("create");
        assertEquals(List.of("A=1", "B"), create.findOption("--env").getValue());
        assertEquals("/srv", create.findOption("--workdir").getValue());
        assertEquals("1000:1000", create.findOption("--user").getValue());
        assertEquals("/bin/sh", create.findOption("--entrypoint").getValue());
        assertEquals(true, create.findOption("--init").getValue());
        assertEquals("img", create.positionalParameters().get(0).getValue());
        assertEquals(
                List.of("-c", "echo $A --name x"),
                create.positionalParameters().get(1).getValue());

        parse("create", "img", "sleep", "1000", "--name", "web");
        create = subcommand("create");
        assertEquals(
                List.of("sleep", "1000"), create.positionalParameters().get(1).getValue());
        assertEquals("web", create.findOption("--name").getValue());
    }

    @Test
    void enumValuesIgnoreCaseAndBadValuesAreUsageErrors() {
        parse("list", "--format", "JSON");
        assertEquals(
                OutputFormat.json, subcommand("list").findOption("--format").getValue());
        assertThrows(CommandLine.ParameterException.class, () -> parse("create", "img", "--memory", "10X"));
        assertThrows(CommandLine.ParameterException.class, () -> parse("start"));
        assertThrows(CommandLine.ParameterException.class, () -> parse("create"));
        assertThrows(CommandLine.ParameterException.class, () -> parse("frobnicate"));
    }

    @Test
    void aliasesNameTheSameCommand() {
        parse();
        assertEquals(
                cocoon.getSubcommands().get("list"), cocoon.getSubcommands().get("ls"));
        assertEquals(
                cocoon.getSubcommands().get("delete"), cocoon.getSubcommands().get("rmi"));
        parse("ls");
        assertEquals(Set.of("list", "ls"), cocoon.getSubcommands().keySet());
    }

    @Test
    void aNamedCommandIsTheOnlyOneBuiltButHelpAndUnknownWordsGetThemAll() {
        parse("--root-dir", "version", "--debug", "ps");
        assertEquals(Set.of("ps"), cocoon.getSubcommands().keySet());
        assertEquals(Path.of("version"), root.flags().rootDir());
        assertThrows(CommandLine.ParameterException.class, () -> parse("--config=x", "frobnicate"));
        assertEquals(23, cocoon.getSubcommands().size());
        parse("help", "ps");
        assertEquals(23, cocoon.getSubcommands().size());
    }

    /** Parses as {@link Cli#run} does, with a fresh tree. */
    private void parse(String... args) {
        root = new CocoonCommand();
        cocoon = Cli.commandLine(root, args);
        cocoon.parseArgs(args);
    }

    private CommandSpec subcommand(String name) {
        return cocoon.getSubcommands().get(name).getCommandSpec();
    }
}
