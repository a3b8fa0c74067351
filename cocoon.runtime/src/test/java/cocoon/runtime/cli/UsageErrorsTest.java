package cocoon.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a mistyped command line prints: the error and where help is, not a page of usage. */
class UsageErrorsTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    @BeforeEach
    void capture() {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    @Test
    void aBadOptionValueIsItsErrorAndAPointerToTheCommandsHelp() {
        assertEquals(Cli.USAGE, Cli.run("create", "--memory", "10X", "img"));
        List<String> lines = err();
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("cocoon: ") && lines.get(0).contains("invalid size '10X'"), lines.get(0));
        assertEquals("see 'cocoon create --help'", lines.get(1));
    }

    @Test
    void unknownOptionsAndMissingParametersPointAtTheRealCommandPath() {
        assertEquals(Cli.USAGE, Cli.run("--root-dir", "/nowhere", "ps", "--bogus"));
        assertEquals(List.of("cocoon: Unknown option: '--bogus'", "see 'cocoon ps --help'"), err());
        err.reset();
        assertEquals(Cli.USAGE, Cli.run("start"));
        List<String> lines = err();
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains("VM"), lines.get(0));
        assertEquals("see 'cocoon start --help'", lines.get(1));
        err.reset();
        assertEquals(Cli.USAGE, Cli.run("frobnicate"));
        assertEquals(List.of("cocoon: unknown command 'frobnicate'", "see 'cocoon --help'"), err());
    }

    @Test
    void theWholeUsageOnlyForHelpOrAMissingCommand() {
        assertEquals(Cli.USAGE, Cli.run());
        String noCommand = err.toString(StandardCharsets.UTF_8);
        assertTrue(noCommand.startsWith("cocoon: a command is required\n"), noCommand);
        assertTrue(noCommand.contains("Commands:") && noCommand.contains("  create "), noCommand);

        assertEquals(0, Cli.run("create", "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("Usage: cocoon create") && help.contains("--memory"), help);
    }

    private List<String> err() {
        return err.toString(StandardCharsets.UTF_8).lines().toList();
    }
}
