package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cloud VM's login password, given on the command line, is shown to nobody: {@code ps}, {@code inspect}
 * and {@code run} print it as {@code <redacted>}, and the files that hold it or the VM's data are
 * readable by their owner only even when cocoon runs under umask 022. The record keeps the password:
 * the seed disk is built from it.
 */
class SecretsTest {

    private static final String PASSWORD = "Tr0ub4dor-and-3";
    private static final String IMAGE = "/disk.raw";

    @TempDir
    static Path dir;

    private static ImageHttpServer server;

    @BeforeAll
    static void serveAnImage() throws IOException {
        byte[] bytes = new byte[1 << 20];
        new Random(7).nextBytes(bytes);
        Arrays.fill(bytes, 0, 510, (byte) 0);
        // An MBR whose first entry is an EFI system partition (type 0xEF): create refuses a cloud image without one.
        bytes[446 + 4] = (byte) 0xef;
        bytes[510] = 0x55;
        bytes[511] = (byte) 0xaa;
        server = ImageHttpServer.start(Map.of(IMAGE, Files.write(dir.resolve("disk.raw"), bytes)));
    }

    @AfterAll
    static void stopServing() {
        server.close();
    }

    @Test
    void thePasswordIsRedactedInOutputAndItsFilesAreOwnerOnlyUnderUmask022() throws Exception {
        CocoonCli cocoon = new CocoonCli(dir.resolve("vm"));
        String url = server.url(IMAGE);
        String[] flags = {"--hypervisor", "qemu", "--user", "ada", "--password", PASSWORD, url};
        underUmask022(cocoon, "pull", "--quiet", url);
        underUmask022(cocoon, concat(new String[] {"create", "--network", "none", "--name", "web1"}, flags));

        String ps = cocoon.run("ps", "--format", "json").ok().out();
        String inspect = cocoon.run("inspect", "web1").ok().out();
        String run = cocoon.run(concat(new String[] {"run"}, flags)).ok().out();
        for (String shown : List.of(ps, inspect, run)) {
            assertFalse(shown.contains(PASSWORD), shown);
        }
        assertTrue(ps.contains("\"password\" : \"<redacted>\""), ps);
        assertTrue(
                inspect.contains("\"password\" : \"<redacted>\"") && inspect.contains("\"user\" : \"ada\""), inspect);

        Path vmDir = Path.of(inspect.replaceAll("(?s).*\"vmDir\" : \"([^\"]+)\".*", "$1"));
        assertTrue(
                Files.readString(vmDir.resolve("vm.json")).contains(PASSWORD),
                "the record keeps the password for the seed");
        for (String file : List.of("vm.json", "overlay.qcow2", "cidata.img")) {
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(vmDir.resolve(file))),
                    file + " made under umask 022");
        }
        cocoon.run("rm", "web1").ok();
    }

    /**
     * Runs bin/cocoon under umask 022, with the test's dirs. The launcher sets umask 077 as a second
     * guard; a shell function named umask (functions come before builtins) makes that line a no-op, so
     * what is proven is that the Java code sets the modes itself.
     */
    private static void underUmask022(CocoonCli cocoon, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                "sh",
                "-c",
                "umask 022; umask() { :; }; . \"$0\"",
                CocoonCli.IMAGE.resolve("bin/cocoon").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(cocoon.environment());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "cocoon " + String.join(" ", args) + " hung");
        assertEquals(0, process.exitValue(), "cocoon " + String.join(" ", args) + ": " + output);
    }

    private static String[] concat(String[] first, String[] second) {
        String[] all = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }
}
