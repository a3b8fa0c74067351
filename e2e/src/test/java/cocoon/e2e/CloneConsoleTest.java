package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cocoon clone SNAP --name NEW --console} under QEMU (TCG) with the demo guest: the clone's console in the
 * same command, attached as {@code cocoon console} attaches it, and refused before any VM is made when it cannot be.
 */
class CloneConsoleTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static GuestFixture guest;
    private static CocoonCli cocoon;

    @BeforeAll
    static void saveARunningGuest(@TempDir Path dir) throws Exception {
        guest = GuestFixture.start(dir);
        cocoon = guest.cocoon();
        guest.bootDemo("source");
        cocoon.run("snapshot", "save", "source", "--name", "warm").ok();
    }

    @AfterAll
    static void removeEverything() {
        if (guest != null) {
            guest.close();
        }
    }

    @Test
    void aCloneWithConsoleAnswersThePipedLinesAndKeepsRunningAfterwards() throws IOException {
        guest.remember("attached");
        long start = System.nanoTime();

        // Computed by the guest, so the echo of the typed line is never taken for its answer.
        CocoonCli.Run run = cocoon.run(
                        Duration.ofSeconds(90),
                        "echo $((6*7))-clone\n",
                        "clone",
                        "warm",
                        "--name",
                        "attached",
                        "--console")
                .ok();
        GuestFixture.report("clone --console, piped", start);

        assertTrue(run.out().startsWith("attached "), run.out());
        assertTrue(run.out().contains("42-clone"), run.out());
        assertEquals(
                "RUNNING",
                JSON.readTree(cocoon.run("inspect", "attached").ok().out())
                        .at("/vm/state")
                        .asText());
    }

    @Test
    void consoleWithNoStartIsRefusedAndMakesNoVm() {
        CocoonCli.Run run = cocoon.run("clone", "warm", "--name", "parked", "--console", "--no-start");

        assertNotEquals(0, run.exit());
        assertTrue(run.err().contains("drop --no-start or --console"), run.err());
        assertNotEquals(0, cocoon.run("inspect", "parked").exit(), "a refused clone left a VM");
    }

    @Test
    void aBadEscapeCharacterIsRefusedBeforeTheCloneIsMade() {
        CocoonCli.Run run = cocoon.run("clone", "warm", "--name", "typo", "--console", "-e", "xx");

        assertNotEquals(0, run.exit());
        assertTrue(run.err().contains("invalid --escape-char 'xx'"), run.err());
        assertNotEquals(0, cocoon.run("inspect", "typo").exit(), "a refused clone left a VM");
    }
}
