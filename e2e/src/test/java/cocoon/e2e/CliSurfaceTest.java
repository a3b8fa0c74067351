package cocoon.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime image's command surface and its answers to missing, malformed and hostile arguments. */
class CliSurfaceTest {

    @TempDir
    Path dir;

    @Test
    void helpListsEveryCommand() {
        String help = new CocoonCli(dir).run("--help").ok().out();
        for (String command : new String[] {
            "pull",
            "list, ls",
            "delete, rmi",
            "run",
            "gc",
            "create",
            "start",
            "stop",
            "ps",
            "inspect",
            "console",
            "ssh",
            "rm",
            "version",
            "doctor",
            "config",
            "completion"
        }) {
            assertTrue(help.contains("  " + command + " "), "--help lacks " + command + ":\n" + help);
        }
    }

    @Test
    void versionShowsTheBakedInRevisionAndBuildTime() {
        String out = new CocoonCli(dir).run("version").ok().out();
        assertTrue(
                out.matches(
                        "(?s)cocoon \\d+\\.\\d+\\.\\d+.*\\nrevision: [0-9a-f]{7,}\\nbuilt: \\d{4}-\\d\\d-\\d\\dT.*"),
                out);
    }

    @Test
    void doctorHasOneLinePerPluginSayingWhetherItWorksHere() throws Exception {
        CocoonCli cocoon = new CocoonCli(dir);
        Path absent = dir.resolve("nowhere/cloud-hypervisor");
        cocoon.config("[chv]\nbinary = \"" + absent + "\"\n");

        String out = cocoon.run("doctor").ok().out();

        for (String plugin : new String[] {
            "image source oci",
            "image source cloudimg",
            "disk builder oci",
            "disk builder cloudimg",
            "hypervisor chv",
            "hypervisor qemu"
        }) {
            assertEquals(1, out.lines().filter(l -> l.startsWith(plugin + " ")).count(), out);
        }
        assertTrue(out.lines().anyMatch(l -> l.startsWith("disk builder oci") && l.contains("mkfs.ext4")), out);
        assertTrue(
                out.lines()
                        .anyMatch(l -> l.startsWith("default kernel ") && l.contains("[defaults] kernel is not set")),
                out);
        assertTrue(
                out.lines()
                        .anyMatch(l -> l.matches(
                                "hypervisor chv +MISSING " + Pattern.quote(absent.toString()) + " not found.*")),
                out);
        // This suite boots its guests with QEMU, so QEMU is there.
        assertTrue(out.lines().anyMatch(l -> l.matches("hypervisor qemu +ok .*")), out);
    }

    @Test
    void errorsAreOneLineWithExitOneAndUsageErrorsExitTwo() {
        CocoonCli cocoon = new CocoonCli(dir);
        CocoonCli.Run unknownVm = cocoon.run("start", "nosuch");
        assertEquals(1, unknownVm.exit());
        assertEquals(1, unknownVm.err().strip().lines().count(), unknownVm.err());
        assertTrue(unknownVm.err().startsWith("cocoon: no VM named 'nosuch': "), unknownVm.err());

        CocoonCli.Run badSize = cocoon.run("create", "img", "--memory", "10X");
        assertEquals(2, badSize.exit());
        assertTrue(badSize.err().contains("invalid size '10X'"), badSize.err());
        assertTrue(badSize.err().endsWith("\nsee 'cocoon create --help'\n"), badSize.err());
        assertEquals(2, badSize.err().lines().count(), "the error and where help is, no usage page: " + badSize.err());

        assertEquals(2, cocoon.run("create").exit());
        assertEquals(2, cocoon.run("frobnicate").exit());
        assertEquals(2, cocoon.run("stop", "x", "--timeout", "soon").exit());

        for (String[] args :
                new String[][] {{"rm", "../etc"}, {"inspect", ""}, {"console", "a/b"}, {"delete", "nosuch"}}) {
            CocoonCli.Run run = cocoon.run(args);
            assertEquals(1, run.exit(), String.join(" ", args) + ": " + run.err());
            assertTrue(run.err().startsWith("cocoon: "), run.err());
            assertFalse(run.err().contains("Exception"), run.err());
        }
    }

    @Test
    void badConfigFilesAreNamedErrors() throws Exception {
        Path config = dir.resolve("bad.toml");
        Files.writeString(config, "[defaults]\ncpus = 3\n");
        CocoonCli.Run run = new CocoonCli(dir).run("--config", config.toString(), "ps");
        assertEquals(1, run.exit());
        assertTrue(run.err().contains("unknown key 'cpus' in [defaults]"), run.err());
    }

    @Test
    void completionScriptIsGenerated() {
        String out = new CocoonCli(dir).run("completion").ok().out();
        assertTrue(
                out.contains("complete -F") && out.contains("cocoon"), out.substring(0, Math.min(200, out.length())));
    }
}
