package cocoon.runtime.cli;

import cocoon.runtime.config.Settings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command tree declared in code parses as the annotated one did: globals anywhere, typed values, defaults. */
class CommandLineModelTest {

    private final CocoonCommand root = new CocoonCommand();
    private final CommandLine cocoon = Cli.commandLine(root);

    @Test
    void globalOptionsReachTheRootBeforeOrAfterTheCommandName() {
        cocoon.parseArgs("--root-dir", "/r", "ps", "--run-dir", "/run", "--log-dir=/log", "--config", "/c.toml", "--debug");
        assertEquals(new Settings.Flags(Path.of("/c.toml"), Path.of("/r"), Path.of("/run"), Path.of("/log")), root.flags());
        assertTrue(root.debug());
    }

    @Test
    void absentOptionsAreNullFlagsAreOffAndDefaultsApply() {
        cocoon.parseArgs("ps");
        assertEquals(new Settings.Flags(null, null, null, null), root.flags());
        assertFalse(root.debug());
        assertEquals(OutputFormat.table, subcommand("ps").findOption("--format").getValue());
    }

    @Test
    void valuesAreConvertedToTheirTypes() {
        cocoon.parseArgs("stop", "a", "b", "-t", "90s", "--force");
        CommandSpec stop = subcommand("stop");
        assertEquals(Duration.ofSeconds(90), stop.findOption("--timeout").getValue());
        assertEquals(Boolean.TRUE, stop.findOption("--force").getValue());
        assertEquals(List.of("a", "b"), stop.positionalParameters().get(0).getValue());

        cocoon.parseArgs("create", "img", "--memory", "2G", "--cpu", "4", "--ssh-key", "a.pub", "--ssh-key", "b.pub");
        CommandSpec create = subcommand("create");
        assertEquals(2L << 30, (Long) create.findOption("--memory").getValue());
        assertEquals(4, (Integer) create.findOption("--cpu").getValue());
        assertEquals(List.of(Path.of("a.pub"), Path.of("b.pub")), create.findOption("--ssh-key").getValue());
        assertNull(create.findOption("--storage").getValue());
        assertEquals("img", create.positionalParameters().get(0).getValue());
    }

    @Test
    void enumValuesIgnoreCaseAndBadValuesAreUsageErrors() {
        cocoon.parseArgs("list", "--format", "JSON");
        assertEquals(OutputFormat.json, subcommand("list").findOption("--format").getValue());
        assertThrows(CommandLine.ParameterException.class, () -> cocoon.parseArgs("create", "img", "--memory", "10X"));
        assertThrows(CommandLine.ParameterException.class, () -> cocoon.parseArgs("start"));
        assertThrows(CommandLine.ParameterException.class, () -> cocoon.parseArgs("create"));
        assertThrows(CommandLine.ParameterException.class, () -> cocoon.parseArgs("frobnicate"));
    }

    @Test
    void aliasesNameTheSameCommand() {
        assertEquals(cocoon.getSubcommands().get("list"), cocoon.getSubcommands().get("ls"));
        assertEquals(cocoon.getSubcommands().get("delete"), cocoon.getSubcommands().get("rmi"));
    }

    private CommandSpec subcommand(String name) {
        return cocoon.getSubcommands().get(name).getCommandSpec();
    }
}
