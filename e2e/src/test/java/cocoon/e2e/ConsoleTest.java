package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cocoon console} against a real guest, from a real terminal (a tmux pane) and from a pipe:
 * the prompt, a command and its output, {@code ~?} help, {@code ~.} with the terminal's settings
 * restored, a refused second attach, reattaching, and the console ending by itself when the VM
 * is powered off from outside.
 */
class ConsoleTest {

    private static final String VM = "con";
    private static final Duration STEP = Duration.ofSeconds(30);
    private static final String PROMPT = "cocoon# ";

    private static GuestFixture guest;
    private static CocoonCli cocoon;
    private static TmuxTerminal terminal;

    @TempDir
    static Path dir;

    @BeforeAll
    static void bootGuest() throws Exception {
        guest = GuestFixture.start(dir);
        cocoon = guest.cocoon();
        cocoon.run("pull", "--quiet", guest.image()).ok();
        guest.create(VM).ok();
        long start = System.nanoTime();
        guest.start(VM).ok();
        guest.awaitConsole(VM, GuestFixture.BANNER, 1, GuestFixture.BOOT_TIMEOUT);
        GuestFixture.report("console VM start to banner", start);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        try {
            if (terminal != null) {
                terminal.close();
            }
        } finally {
            if (guest != null) {
                guest.close();
            }
        }
    }

    @Test
    void consoleInARealTerminalAndThroughAPipe() throws Exception {
        terminal = TmuxTerminal.open(cocoon.environment(), CocoonCli.IMAGE.resolve("bin"));
        Path before = dir.resolve("stty-before");
        Path afterLeaving = dir.resolve("stty-after-leaving");
        Path afterStop = dir.resolve("stty-after-stop");

        terminal.line("stty -g > " + before + "; cocoon console " + VM);
        terminal.awaitScreen("Connected to " + VM + ". Type ~. at the start of a line to leave, ~? for help.", STEP);
        terminal.enter();
        terminal.awaitScreen(PROMPT, STEP);
        terminal.line("echo $((6*7))-typed; uname -n");
        // Both answers: the guest prints uname's a moment after echo's (a fork and exec under TCG).
        String screen = terminal.awaitScreen("42-typed\ncocoon-demo", STEP);
        assertTrue(screen.contains("cocoon-demo"), screen);

        // From a pipe: the attach is refused before any input is read.
        CocoonCli.Run second = cocoon.run(STEP, "", "console", VM);
        assertEquals(1, second.exit(), second.out() + second.err());
        assertEquals(
                "cocoon: the console of VM " + VM
                        + " is already attached in another session: leave that session (~.) or use it",
                second.err().strip());

        terminal.enter();
        terminal.literal("~?");
        terminal.awaitScreen("Supported escape sequences (at the start of a line):", STEP);
        terminal.awaitScreen("~.  disconnect", STEP);

        terminal.enter();
        terminal.literal("~.");
        terminal.awaitScreen("[disconnected from " + VM + "]", STEP);
        terminal.line("stty -g > " + afterLeaving);
        await(afterLeaving);
        assertEquals(Files.readString(before), Files.readString(afterLeaving), "~. restores the terminal's settings");

        long pipe = System.nanoTime();
        CocoonCli.Run uname = cocoon.run(Duration.ofSeconds(90), "uname -a\n", "console", VM);
        GuestFixture.report("pipe mode uname -a", pipe);
        assertEquals(0, uname.exit(), uname.err());
        assertTrue(uname.out().contains("Linux cocoon-demo "), "the guest answered: " + uname.out());
        assertFalse(uname.err().contains("Connected to"), "no terminal, no banner: " + uname.err());

        terminal.line("cocoon console " + VM);
        terminal.awaitScreen("Connected to " + VM, 2, STEP);
        terminal.line("echo $((7*8))-again");
        terminal.awaitScreen("56-again", STEP);

        long stop = System.nanoTime();
        cocoon.run(Duration.ofMinutes(3), null, "stop", "--timeout", "90s", VM).ok();
        GuestFixture.report("stop while attached", stop);
        screen = terminal.awaitScreen("[console closed: VM " + VM + " stopped]", STEP);
        assertTrue(screen.contains(GuestFixture.POWERING_OFF), screen);
        // Typed as soon as the closing message shows: the ended session must not swallow it.
        terminal.line("stty -g > " + afterStop);
        await(afterStop);
        assertEquals(
                Files.readString(before),
                Files.readString(afterStop),
                "the console's exit restores the terminal's settings");
        assertEquals("stopped", guest.state(VM));
    }

    private static void await(Path file) {
        GuestFixture.await(
                STEP, () -> "the shell in the terminal did not write " + file + ":\n" + terminal.screen(), () -> {
                    try {
                        return Files.exists(file) && Files.size(file) > 0;
                    } catch (IOException e) {
                        return false;
                    }
                });
    }
}
